/**
 * One leave-one-source-out fold, for finding what a held-out source's figure depends on:
 * trains on every other source (minus any excluded), with optional feature overrides, and
 * scores the held-out one. Not part of `npm run bench` unless named (it trains a model).
 * FOLD_SOURCE=wildguard_benign FOLD_EXCLUDE=wildjailbreak FOLD_FEATURES='{"framingCrosses":false}'
 *   FOLD_PARAMS='{"classBalance":1}' FOLD_REDTEAM=6000 node --expose-gc dist/bench/fold.bench.js
 * FOLD_REDTEAM=N adds N red-team cases (seed FOLD_REDTEAM_SEED, default 100) to the training side.
 */
import { loadBundledCorpus } from "../src/data/corpus.js";
import { caseToSample } from "../src/redteam/campaign.js";
import { generateCases } from "../src/redteam/cases.js";
import { BuiltinDetector } from "../src/detect/builtin.js";
import { DEFAULT_FEATURES } from "../src/detect/features.js";
import { loadRulesFile } from "../src/detect/rules.js";
import { trainBuiltin } from "../src/train/builtin-trainer.js";
import { evaluateDetector } from "../src/train/evaluate.js";

const held = process.env.FOLD_SOURCE ?? "wildguard_benign";
const exclude = (process.env.FOLD_EXCLUDE ?? "").split(",").filter(Boolean);
const features = { ...DEFAULT_FEATURES, ...(JSON.parse(process.env.FOLD_FEATURES ?? "{}") as object) };
const all = await loadBundledCorpus();
const train = all.filter((s) => s.source !== held && !exclude.includes(s.source));
const test = all.filter((s) => s.source === held);
const redteam = Number(process.env.FOLD_REDTEAM ?? 0);
if (redteam > 0)
  train.push(
    ...generateCases({ seed: Number(process.env.FOLD_REDTEAM_SEED ?? 100), cases: redteam }).map((c) =>
      caseToSample(c),
    ),
  );
const params = JSON.parse(process.env.FOLD_PARAMS ?? "{}") as object;
const trained = await trainBuiltin(train, { rules: loadRulesFile(), params: { ...params, features } });
const m = (await evaluateDetector(new BuiltinDetector(trained.model), test)).overall;
const f = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v.toFixed(3));
console.log(
  `held out ${held} (${m.n} rows, ${m.positives} attacks), excluded ${exclude.join(",") || "none"}, ` +
    `features ${process.env.FOLD_FEATURES ?? "default"}, params ${process.env.FOLD_PARAMS ?? "default"}, red-team cases ${redteam}: recall ${f(m.recall)}, FPR ${f(m.fpr)}, ROC-AUC ${f(m.rocAuc)}`,
);
