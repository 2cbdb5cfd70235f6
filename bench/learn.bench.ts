/**
 * Consecutive learning cycles on the default corpus, from a fresh home (the shipped model
 * is the first champion): the time of each cycle by phase, its decision and figures, and
 * after each one the production model on a fresh campaign whose seed no cycle used (the
 * bypass rate and over-defence) and on the benign suites. Not part of `npm run bench`
 * unless named (it trains a model per cycle):
 *   LEARN_CYCLES=5 LEARN_CASES=1000 node dist/bench/learn.bench.js
 * LEARN_RULE and LEARN_PARAMS take JSON (a rule over the default, challenger parameters);
 * LEARN_ROWS picks the campaign rows (failures, failures+negatives, all).
 */
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { loadDefaultModel } from "../src/app/default-model.js";
import { openWorkspace } from "../src/app/workspace.js";
import { loadConfig } from "../src/core/config.js";
import { loadBundledCorpus } from "../src/data/corpus.js";
import { BuiltinDetector } from "../src/detect/builtin.js";
import type { BuiltinModel } from "../src/detect/model.js";
import { loadRulesFile } from "../src/detect/rules.js";
import { runCycle } from "../src/learn/cycle.js";
import { scoreSuites } from "../src/learn/evaluate.js";
import { DEFAULT_RULE } from "../src/learn/rule.js";
import { redTeamSuites } from "../src/learn/suites.js";
import { heldOutRows } from "../src/learn/validation.js";
import type { CampaignRows } from "../src/learn/types.js";
import { detectorTarget, runCampaign } from "../src/redteam/campaign.js";
import { generateCases } from "../src/redteam/cases.js";
import { buildReport } from "../src/redteam/report.js";
import { trainBuiltin } from "../src/train/builtin-trainer.js";
import { markdownTable } from "./util.js";

const CYCLES = Number(process.env.LEARN_CYCLES ?? 5);
const CASES = Number(process.env.LEARN_CASES ?? 1000);
const rule = { ...DEFAULT_RULE, ...(JSON.parse(process.env.LEARN_RULE ?? "{}") as object) };
const params = JSON.parse(process.env.LEARN_PARAMS ?? "{}") as object;
const campaignRows = (process.env.LEARN_ROWS ?? "failures+negatives") as CampaignRows;
/** The fresh campaign: a seed no cycle uses (cycles use 1001..), the same for every measurement. */
const FRESH_SEED = 777_000;
const FRESH_CASES = 2000;

const home = mkdtempSync(join(tmpdir(), "bulwark-learn-bench-"));
const config = loadConfig({ ...process.env, BULWARK_HOME: home, DATABASE_URL: "", REDIS_URL: "" });
const ws = await openWorkspace(config, { actor: "bench:learn" });
await loadDefaultModel({ config, db: ws.db, store: ws.store });
const rules = loadRulesFile();
const suites = await redTeamSuites();
const fresh = generateCases({ seed: FRESH_SEED, cases: FRESH_CASES });

const pct = (x: number | null | undefined) => (x === null || x === undefined ? "-" : (x * 100).toFixed(1));
const s = (ms: number | undefined) => (ms === undefined ? "-" : (ms / 1000).toFixed(1));

/** The production model on the fresh campaign and on the benign suites. */
async function measure() {
  const production = (await ws.registry.production(config.detector.model))!;
  const loaded = await ws.registry.load<BuiltinModel>(production);
  const detector = new BuiltinDetector(loaded.model);
  const results = await runCampaign(detectorTarget(detector, production.ref), fresh);
  const report = buildReport(results, {
    campaign: "fresh",
    model: { ref: production.ref, sha256: production.sha256 },
    seed: FRESH_SEED,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    files: [],
  });
  const figures = await scoreSuites(detector, suites);
  return { ref: production.ref, report, figures };
}

const before = await measure();

/**
 * With challenger parameters of its own, the first challenger differs from the shipped model
 * in two ways; a model trained with those parameters on the corpus alone tells them apart.
 */
let reference: string | undefined;
if (Object.keys(params).length) {
  const base = await loadBundledCorpus();
  const shipped = (await ws.registry.production(config.detector.model))!;
  const trained = await trainBuiltin(base, { rules, params: { ...shipped.params, ...params } });
  const f = await scoreSuites(new BuiltinDetector(trained.model), [
    { name: "validation", description: "", samples: heldOutRows(base, trained.params).samples },
    ...suites,
  ]);
  const fr = await runCampaign(detectorTarget(new BuiltinDetector(trained.model), "reference"), fresh);
  const missed = fr.filter((r) => r.label === 1 && r.miss).length / fr.filter((r) => r.label === 1).length;
  reference =
    `Reference: the corpus alone with ${JSON.stringify(params)} (no campaign rows): validation recall ${pct(f.validation?.recall)}, ` +
    `validation FPR ${pct(f.validation?.fpr)}, frozen recall ${pct(f.frozen?.recall)}, hard-negative FPR ${pct(f["hard-negatives"]?.fpr)}, ` +
    `fresh-campaign bypass rate ${pct(missed)}.`;
}
const rows: (string | number)[][] = [];
const measured: (string | number)[][] = [
  [
    "0 (shipped)",
    before.ref,
    pct(1 - before.report.detectionRate),
    pct(before.report.overDefence),
    pct(before.figures.frozen?.recall),
    pct(before.figures["hard-negatives"]?.fpr),
  ],
];
let after = before;
for (let i = 1; i <= CYCLES; i++) {
  const r = await runCycle(
    { ...ws, store: ws.store },
    {
      model: config.detector.model,
      cases: CASES,
      seed: 1000 + i,
      rule,
      params,
      campaignRows,
      rules,
      trigger: "bench",
    },
  );
  const c = r.cycle;
  const f = c.figures!;
  const t = c.timings!;
  rows.push([
    i,
    `${c.champion!.ref} vs ${c.challenger!.ref}`,
    c.decision!,
    `${c.campaign!.bypasses}/${c.campaign!.attacks}`,
    `${pct(f.champion.frozen?.recall)} -> ${pct(f.challenger.frozen?.recall)}`,
    `${pct(f.champion.validation?.recall)} -> ${pct(f.challenger.validation?.recall)}`,
    `${pct(f.champion.validation?.fpr)} -> ${pct(f.challenger.validation?.fpr)}`,
    `${pct(f.champion["hard-negatives"]?.fpr)} -> ${pct(f.challenger["hard-negatives"]?.fpr)}`,
    `${s(t.total)} (${s(t.campaign)} / ${s(t.combine)} / ${s(t.train)} / ${s(t.evaluate)})`,
  ]);
  after = await measure();
  measured.push([
    i,
    after.ref,
    pct(1 - after.report.detectionRate),
    pct(after.report.overDefence),
    pct(after.figures.frozen?.recall),
    pct(after.figures["hard-negatives"]?.fpr),
  ]);
  console.error(`cycle ${i}: ${c.decision} (${c.reason}) in ${s(t.total)} s`);
}

console.log(
  `${CYCLES} cycles of ${CASES} cases on the bundled corpus, rule: ${JSON.stringify(rule)}, campaign rows: ${campaignRows}, ` +
    `challenger params: ${JSON.stringify(params)}; ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), a machine shared with other work.\n`,
);
if (reference) console.log(`${reference}\n`);
console.log("### Each cycle (recall and FPR in %, champion -> challenger)\n");
console.log(
  markdownTable(
    [
      "cycle",
      "champion vs challenger",
      "decision",
      "bypasses",
      "frozen recall",
      "validation recall",
      "validation FPR",
      "hard-negative FPR",
      "seconds (campaign / combine / train / evaluate)",
    ],
    rows,
  ),
);
console.log(
  `\n### The production model after each cycle, on a fresh campaign (seed ${FRESH_SEED}, ${FRESH_CASES} cases, never used by a cycle)\n`,
);
console.log(
  markdownTable(
    [
      "after cycle",
      "production",
      "bypass rate %",
      "over-defence %",
      "frozen recall %",
      "hard-negative FPR %",
    ],
    measured,
  ),
);
console.log("\n### Detection rate by generator on the fresh campaign, before and after (%)\n");
console.log(
  markdownTable(
    ["generator", "cases", "before", "after"],
    Object.entries(before.report.byGenerator).map(([g, t]) => [
      g,
      t.cases,
      t.detectionRate === null ? `over-defence ${pct(t.overDefence)}` : pct(t.detectionRate),
      (() => {
        const a = after.report.byGenerator[g];
        if (!a) return "-";
        return a.detectionRate === null ? `over-defence ${pct(a.overDefence)}` : pct(a.detectionRate);
      })(),
    ]),
  ),
);
console.log("\n### Detection rate by mutator on the fresh campaign, before and after (%)\n");
console.log(
  markdownTable(
    ["mutator", "cases", "before", "after"],
    Object.entries(before.report.byMutator).map(([m, t]) => [
      m,
      t.cases,
      pct(t.detectionRate),
      pct(after.report.byMutator[m]?.detectionRate),
    ]),
  ),
);
await ws.close();
