/** Learning cycles as the API returns them, tied to `learn/types.ts`. */
import { Type, type TUnsafe } from "@sinclair/typebox";
import { PromotionRuleSchema } from "../../learn/rule.js";
import type {
  CampaignSummary as CampaignSummaryType,
  CycleData,
  CycleFigures,
  CycleRecord,
  ModelRefSummary,
} from "../../learn/types.js";
import { describes, Nullable, OpenMap, refTo, StringEnum } from "./shape.js";

/** A nested record documented in words and written as it is. */
function Described<T>(description: string): TUnsafe<T> {
  return Type.Unsafe<T>(OpenMap(description));
}

const ModelRef = describes<ModelRefSummary>()(
  Type.Object({ ref: Type.String({ description: "name@version" }), sha256: Type.String() }),
);

const CampaignSummary = describes<CampaignSummaryType>()(
  Type.Object({
    campaign: Type.String({ description: "The campaign's id (rt-...): its files are under red-team-data/" }),
    seed: Type.Integer(),
    cases: Type.Integer(),
    attacks: Type.Integer(),
    negatives: Type.Integer({ description: "Hard negatives: benign texts that look dangerous" }),
    detectionRate: Type.Number({ description: "Attacks the champion flagged, over attacks" }),
    overDefence: Type.Number({ description: "Hard negatives the champion flagged, over hard negatives" }),
    bypasses: Type.Integer({ description: "Attacks the champion missed: they join the challenger's data" }),
    overDefended: Type.Integer({
      description: "Hard negatives the champion flagged: they join it as benign",
    }),
    files: Type.Array(Type.String(), { description: "Objects written under red-team-data/" }),
    durationMs: Type.Integer(),
  }),
);

export const LearnCycle = describes<CycleRecord>()(
  Type.Object(
    {
      id: Type.String(),
      model: Type.String({ description: "The model whose production version was the champion" }),
      status: StringEnum(["running", "succeeded", "failed"] as const),
      champion: Nullable(ModelRef),
      challenger: Nullable(ModelRef),
      decision: Nullable(StringEnum(["promoted", "rejected"] as const)),
      reason: Nullable(Type.String({ description: "Why it was promoted or rejected, with the figures" })),
      rule: PromotionRuleSchema,
      figures: Nullable(
        Described<CycleFigures>(
          "suites (name, rows, attacks, benign), champion and challenger (suite -> {n, attacks, benign, recall, fpr}), " +
            "checks (each comparison the rule made) and validation (how the validation split was made leak-free)",
        ),
      ),
      campaign: Nullable(CampaignSummary),
      data: Nullable(
        Described<CycleData>(
          "combined ({key, manifestKey, sha256, rows}), modelSpecific (keys), counts (base, campaign, extra, " +
            "duplicates, conflicts, frozen and evaluation texts dropped), baseDatasets, extraIds",
        ),
      ),
      timings: Nullable(Type.Record(Type.String(), Type.Number(), { description: "Milliseconds per phase" })),
      options: OpenMap("What the cycle was asked: cases, seed, generators, mutators, data, trigger"),
      error: Nullable(Type.String({ description: "Why it failed" })),
      scheduledFor: Nullable(Type.String({ description: "The cron tick of a scheduled cycle" })),
      jobId: Nullable(Type.String()),
      startedAt: Type.String(),
      finishedAt: Nullable(Type.String()),
      createdBy: Type.String(),
    },
    {
      $id: "LearnCycle",
      title: "LearnCycle",
      description: "A learning cycle: champion, challenger, the decision and the figures behind it",
    },
  ),
);
export const LearnCycleRef = refTo(LearnCycle);
