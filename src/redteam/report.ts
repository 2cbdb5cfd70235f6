/**
 * A campaign's report: detection rate by generator and by mutator, the worst generator x
 * mutator pairs with examples, over-defence on the hard negatives, and the change since the
 * previous campaign against the same model. Rendered as JSON (the stored form) or markdown.
 */
import type { CampaignReport, CaseResult, Tally } from "./types.js";

const WORST_MIN_CASES = 3;
const WORST_LIMIT = 10;
const EXAMPLES = 3;
const EXCERPT = 240;

class Counter {
  attacks = 0;
  caught = 0;
  negatives = 0;
  flaggedNegatives = 0;
  add(r: CaseResult): void {
    if (r.label === 1) {
      this.attacks++;
      if (r.flagged) this.caught++;
    } else {
      this.negatives++;
      if (r.flagged) this.flaggedNegatives++;
    }
  }
  tally(): Tally {
    return {
      cases: this.attacks + this.negatives,
      detectionRate: this.attacks ? this.caught / this.attacks : null,
      overDefence: this.negatives ? this.flaggedNegatives / this.negatives : null,
    };
  }
}

function tallies(results: readonly CaseResult[], keys: (r: CaseResult) => string[]): Record<string, Tally> {
  const by = new Map<string, Counter>();
  for (const r of results)
    for (const k of keys(r)) {
      let c = by.get(k);
      if (!c) by.set(k, (c = new Counter()));
      c.add(r);
    }
  return Object.fromEntries(
    [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => [k, c.tally()]),
  );
}

export interface ReportMeta {
  campaign: string;
  model: { ref: string; sha256: string };
  seed: number;
  startedAt: string;
  durationMs: number;
  files: string[];
  previous?: CampaignReport["previous"];
}

const excerpt = (text: string) => (text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text);

export function buildReport(results: readonly CaseResult[], meta: ReportMeta): CampaignReport {
  const all = new Counter();
  for (const r of results) all.add(r);
  const mutatorKeys = (r: CaseResult) => (r.mutators.length ? r.mutators : ["none"]);
  const attacks = results.filter((r) => r.label === 1);
  const pairs = new Map<string, CaseResult[]>();
  for (const r of attacks) {
    const key = `${r.generator}\u0000${r.mutators.join("+") || "none"}`;
    pairs.set(key, [...(pairs.get(key) ?? []), r]);
  }
  const worst = [...pairs.entries()]
    .filter(([, rs]) => rs.length >= WORST_MIN_CASES)
    .map(([key, rs]) => {
      const [generator, mutator] = key.split("\u0000") as [string, string];
      const missed = rs.filter((r) => !r.flagged);
      return {
        generator,
        mutator,
        cases: rs.length,
        detectionRate: (rs.length - missed.length) / rs.length,
        examples: missed.slice(0, EXAMPLES).map((r) => excerpt(r.text)),
      };
    })
    .filter((w) => w.detectionRate < 1)
    .sort((a, b) => a.detectionRate - b.detectionRate || b.cases - a.cases)
    .slice(0, WORST_LIMIT);
  const t = all.tally();
  return {
    campaign: meta.campaign,
    model: meta.model,
    seed: meta.seed,
    cases: results.length,
    attacks: all.attacks,
    negatives: all.negatives,
    detectionRate: t.detectionRate ?? 0,
    overDefence: t.overDefence ?? 0,
    byGenerator: tallies(results, (r) => [r.generator]),
    byMutator: tallies(attacks, mutatorKeys),
    worst,
    files: meta.files,
    previous: meta.previous,
    startedAt: meta.startedAt,
    durationMs: meta.durationMs,
  };
}

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);
const signed = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} points`;

/** The report as markdown, for `bulwark redteam report ID --format md` and reading in a pull request. */
export function reportMarkdown(r: CampaignReport): string {
  const lines = [
    `# Red-team campaign ${r.campaign}`,
    "",
    `Model ${r.model.ref} (sha256 ${r.model.sha256.slice(0, 12)}…), seed ${r.seed}, ${r.cases} cases ` +
      `(${r.attacks} attacks, ${r.negatives} hard negatives), ${(r.durationMs / 1000).toFixed(1)} s, started ${r.startedAt}.`,
    "",
    `- Detection rate: **${pct(r.detectionRate)}** of attacks flagged (${Math.round(r.detectionRate * r.attacks)} of ${r.attacks}).`,
    `- Over-defence: **${pct(r.overDefence)}** of hard negatives flagged (${Math.round(r.overDefence * r.negatives)} of ${r.negatives}).`,
  ];
  if (r.previous)
    lines.push(
      `- Since the previous campaign against this model (${r.previous.campaign}): detection ${signed(r.detectionRate - r.previous.detectionRate)}, over-defence ${signed(r.overDefence - r.previous.overDefence)}.`,
    );
  lines.push(
    "",
    "## By generator",
    "",
    "| generator | cases | detection rate | over-defence |",
    "| --- | --- | --- | --- |",
  );
  for (const [g, t] of Object.entries(r.byGenerator))
    lines.push(`| ${g} | ${t.cases} | ${pct(t.detectionRate)} | ${pct(t.overDefence)} |`);
  lines.push(
    "",
    "## By mutator (attacks)",
    "",
    "| mutator | cases | detection rate |",
    "| --- | --- | --- |",
  );
  for (const [m, t] of Object.entries(r.byMutator))
    lines.push(`| ${m} | ${t.cases} | ${pct(t.detectionRate)} |`);
  lines.push("", "## Worst combinations", "");
  if (r.worst.length === 0) lines.push("Every combination with enough cases was caught every time.");
  for (const w of r.worst) {
    lines.push(`### ${w.generator} × ${w.mutator}: ${pct(w.detectionRate)} of ${w.cases}`, "");
    for (const e of w.examples) lines.push("```text", e.replace(/```/g, "'''"), "```");
    lines.push("");
  }
  lines.push("## Files", "", ...r.files.map((f) => `- \`${f}\``), "");
  return lines.join("\n");
}
