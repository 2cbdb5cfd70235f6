/**
 * Detection quality: the validation split of the default training run (overall, per source,
 * per category), leave-one-source-out cross-validation (each source scored by a model that
 * never saw it), and the hand-written sanity suite (bench/fixtures/sanity.jsonl).
 */
import { join } from "node:path";
import { PACKAGE_ROOT } from "../src/core/paths.js";
import { loadBundledCorpus } from "../src/data/corpus.js";
import { loadSamples } from "../src/data/files.js";
import { BuiltinDetector } from "../src/detect/builtin.js";
import { loadRulesFile } from "../src/detect/rules.js";
import { trainBuiltin } from "../src/train/builtin-trainer.js";
import { leaveOneSourceOut } from "../src/train/crossval.js";
import { evaluateDetector } from "../src/train/evaluate.js";
import type { BinaryMetrics } from "../src/train/metrics.js";
import { markdownTable } from "./util.js";

const f = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v.toFixed(3));
const row = (name: string, m: BinaryMetrics) => [
  name,
  m.n,
  m.positives,
  f(m.accuracy),
  f(m.precision),
  f(m.recall),
  f(m.f1),
  f(m.fpr),
  f(m.rocAuc),
  f(m.tprAt1Fpr),
];
const HEADER = ["", "n", "attacks", "accuracy", "precision", "recall", "F1", "FPR", "ROC-AUC", "TPR@1%FPR"];

const samples = await loadBundledCorpus();
const rules = loadRulesFile();
const started = performance.now();
const trained = await trainBuiltin(samples, { rules });
const r = trained.report;
console.log(
  `### Validation split (groups of related texts, ${trained.rows.validation} rows; trained in ${(trained.durationMs / 1000).toFixed(1)} s)\n`,
);
console.log(
  `Threshold ${r.threshold.toFixed(4)} (at most 1% false positives on benign validation texts); category accuracy on flagged attacks ${f(r.categoryAccuracy)}.\n`,
);
console.log(
  markdownTable(HEADER, [
    row("overall", r.overall),
    ...Object.entries(r.bySource).map(([k, m]) => row(k, m)),
  ]),
);
console.log("");
console.log(
  markdownTable(
    HEADER,
    Object.entries(r.byCategory).map(([k, m]) => row(k, m)),
  ),
);

const sanity = await loadSamples([join(PACKAGE_ROOT, "bench", "fixtures", "sanity.jsonl")]);
const s = await evaluateDetector(new BuiltinDetector(trained.model), sanity);
console.log("\n### Hand-written sanity suite (over-defence and out-of-distribution phrasing)\n");
console.log(
  markdownTable(HEADER, [
    row("overall", s.overall),
    ...Object.entries(s.bySource).map(([k, m]) => row(k, m)),
  ]),
);

const cv = await leaveOneSourceOut(samples, { rules });
console.log("\n### Leave-one-source-out (each source scored by a model trained without it)\n");
console.log(
  markdownTable(
    ["held-out source", "n", "attacks", "recall", "FPR", "ROC-AUC"],
    cv.folds.map((x) => [x.source, x.n, x.positives, f(x.recall), f(x.fpr), f(x.rocAuc)]),
  ),
);
const p = cv.pooled;
console.log(
  `\nPooled over all held-out rows: ROC-AUC ${f(p.rocAuc)}, TPR@1%FPR ${f(p.tprAt1Fpr)}, recall ${f(p.recall)}, FPR ${f(p.fpr)}, F1 ${f(p.f1)}; ` +
    `mean recall over attack sources ${f(cv.macroRecall)}, mean specificity over benign sources ${f(cv.macroSpecificity)}.`,
);
console.log(`\n(total ${((performance.now() - started) / 1000).toFixed(0)} s)`);
