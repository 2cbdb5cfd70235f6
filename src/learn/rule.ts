/**
 * The promotion rule of a learning cycle, as a pure function over the figures both models
 * earned on the same fixed suites. A challenger replaces the champion only when it catches
 * more of the frozen red-team suite, catches no less of the validation split, and raises
 * the false-positive rate of no suite that holds benign texts: a model that learns to flag
 * everything scores well on recall and is exactly the wrong lesson, so over-defence vetoes
 * whatever recall gained.
 */
import { Type, type Static } from "@sinclair/typebox";

/** How one model did on one suite; null where the suite holds no text of that label. */
export interface SuiteFigures {
  n: number;
  attacks: number;
  benign: number;
  /** Attacks flagged, over attacks. */
  recall: number | null;
  /** Benign texts flagged, over benign texts. */
  fpr: number | null;
}

/** A model's figures, by suite name (validation, frozen, hard-negatives...). */
export type ModelFigures = Record<string, SuiteFigures>;

export const PromotionRuleSchema = Type.Object(
  {
    recallHigherOn: Type.Array(Type.String({ pattern: "^[A-Za-z0-9_.:-]{1,80}$" }), {
      maxItems: 10,
      description: "Suites on which the challenger's recall must be strictly higher",
    }),
    recallNotLowerOn: Type.Array(Type.String({ pattern: "^[A-Za-z0-9_.:-]{1,80}$" }), {
      maxItems: 10,
      description: "Suites on which the challenger's recall may not be lower",
    }),
    recallTolerance: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description:
          "How much lower the challenger's recall may be on the recallNotLowerOn suites (0: no lower)",
      }),
    ),
    fprTolerance: Type.Number({
      minimum: 0,
      maximum: 1,
      description:
        "How much higher the challenger's false-positive rate may be on any suite with benign texts (0: no higher)",
    }),
  },
  { additionalProperties: false },
);
export type PromotionRule = Static<typeof PromotionRuleSchema>;

export const DEFAULT_RULE: PromotionRule = {
  recallHigherOn: ["frozen"],
  recallNotLowerOn: ["validation"],
  recallTolerance: 0,
  fprTolerance: 0,
};

/** One comparison the rule made, with the two figures it compared. */
export interface RuleCheck {
  suite: string;
  metric: "recall" | "fpr";
  /** "higher", "not lower" or "not higher (+tolerance)". */
  requirement: string;
  champion: number | null;
  challenger: number | null;
  passed: boolean;
}

export interface Decision {
  promote: boolean;
  checks: RuleCheck[];
  /** One sentence: why it was promoted, or the first reasons it was not. */
  reason: string;
}

/** Rates are ratios of counts: a difference below this is rounding, not a change. */
const EPSILON = 1e-9;

/** The rule in words, as the cycle records it. */
export function describeRule(rule: PromotionRule): string {
  const parts = [
    ...rule.recallHigherOn.map((s) => `recall on ${s} higher`),
    ...rule.recallNotLowerOn.map(
      (s) => `recall on ${s} not lower${rule.recallTolerance ? ` (tolerance ${rule.recallTolerance})` : ""}`,
    ),
    `false-positive rate on every benign suite no worse${rule.fprTolerance > 0 ? ` (tolerance ${rule.fprTolerance})` : ""}`,
  ];
  return parts.join(" AND ");
}

/**
 * Applies the rule. A suite the rule names but the figures lack fails its check (a rule
 * that cannot be checked does not promote). Every suite with benign texts in both models'
 * figures is an over-defence check.
 */
export function decide(rule: PromotionRule, champion: ModelFigures, challenger: ModelFigures): Decision {
  const checks: RuleCheck[] = [];
  const recall = (suite: string, requirement: "higher" | "not lower") => {
    const a = champion[suite]?.recall ?? null;
    const b = challenger[suite]?.recall ?? null;
    const slack = requirement === "higher" ? 0 : (rule.recallTolerance ?? 0);
    const passed =
      a !== null && b !== null && (requirement === "higher" ? b > a + EPSILON : b >= a - slack - EPSILON);
    const shown = slack > 0 ? `${requirement} (-${slack})` : requirement;
    checks.push({ suite, metric: "recall", requirement: shown, champion: a, challenger: b, passed });
  };
  for (const suite of rule.recallHigherOn) recall(suite, "higher");
  for (const suite of rule.recallNotLowerOn) recall(suite, "not lower");
  const requirement = `not higher${rule.fprTolerance > 0 ? ` (+${rule.fprTolerance})` : ""}`;
  for (const suite of Object.keys(champion).sort()) {
    const a = champion[suite]?.fpr ?? null;
    const b = challenger[suite]?.fpr ?? null;
    if (a === null) continue;
    const passed = b !== null && b <= a + rule.fprTolerance + EPSILON;
    checks.push({ suite, metric: "fpr", requirement, champion: a, challenger: b, passed });
  }
  const failed = checks.filter((c) => !c.passed);
  const promote = checks.length > 0 && failed.length === 0;
  return {
    promote,
    checks,
    reason: promote
      ? `the challenger met every condition: ${describeRule(rule)}`
      : `rejected: ${failed.map(explain).join("; ")}`,
  };
}

function explain(c: RuleCheck): string {
  const what = c.metric === "recall" ? "recall" : "false-positive rate";
  const show = (x: number | null) => (x === null ? "n/a" : x.toFixed(4));
  return `${what} on ${c.suite} ${show(c.challenger)} vs ${show(c.champion)} (must be ${c.requirement})`;
}
