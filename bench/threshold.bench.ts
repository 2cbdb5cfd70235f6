/**
 * Where should the threshold and the calibration come from? Leave-one-source-out: for each
 * source, `trainBuiltin` with `thresholdFolds: K` on all the others; the fold's final model
 * scores the held-out source, its validation split and, through the K inner models, every
 * training row from a source it did not see (out of fold). The final model is the same
 * whatever the rule (only the threshold and the calibration differ), so one run compares
 * every rule in bench/threshold-rules.ts on the same logits. Each fold trains K + 1 models:
 * an hour or more, so it is not part of `npm run bench` unless named. Each fold's logits are
 * appended to dist/bench-work/threshold-kK.jsonl and skipped when already there, so an
 * interrupted run resumes; THRESHOLD_REPORT=1 only prints the tables from that file, and
 * THRESHOLD_COST=0,3,5 only times a training on the whole corpus for each fold count;
 * THRESHOLD_FILE names another results file.
 * THRESHOLD_FOLDS=5 THRESHOLD_SOURCES=wildguard_benign,bipia node --expose-gc dist/bench/threshold.bench.js
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../src/core/paths.js";
import { loadBundledCorpus } from "../src/data/corpus.js";
import { loadSamples } from "../src/data/files.js";
import type { Sample } from "../src/data/sample.js";
import { BuiltinDetector } from "../src/detect/builtin.js";
import type { BuiltinModel } from "../src/detect/model.js";
import { loadRulesFile } from "../src/detect/rules.js";
import { DEFAULT_PARAMS, FeatureCache, trainBuiltin } from "../src/train/builtin-trainer.js";
import { groupSplit } from "../src/train/split.js";
import { report, type FoldRecord, type Labelled } from "./threshold-rules.js";
import { BENCH_DIR, markdownTable } from "./util.js";

const K = Number(process.env.THRESHOLD_FOLDS ?? 5);
const WHOLE = "(whole corpus)";
mkdirSync(BENCH_DIR, { recursive: true });
const resultsFile = process.env.THRESHOLD_FILE ?? join(BENCH_DIR, `threshold-k${K}.jsonl`);

const round = (z: number) => Math.round(z * 1e5) / 1e5;
function labelled(model: BuiltinModel, rows: readonly Sample[]): Labelled {
  const d = new BuiltinDetector(model);
  return { logits: rows.map((s) => round(d.score(s.text).logit)), labels: rows.map((s) => s.label) };
}

const done = new Map<string, FoldRecord>();
if (existsSync(resultsFile))
  for (const line of readFileSync(resultsFile, "utf8").split("\n").filter(Boolean)) {
    const r = JSON.parse(line) as FoldRecord;
    // A record without logits is from an earlier version of this bench.
    if (r.validation) done.set(r.source, r);
  }

const all = await loadBundledCorpus();
const wanted = (process.env.THRESHOLD_SOURCES ?? "").split(",").filter(Boolean);
const sources = [...new Set(all.map((s) => s.source))]
  .sort()
  .filter((s) => !wanted.length || wanted.includes(s));

if (process.env.THRESHOLD_COST) {
  // Each in a fresh feature cache, as `bulwark train` and the build run it.
  const rows: (string | number)[][] = [];
  for (const k of process.env.THRESHOLD_COST.split(",").map(Number)) {
    const t0 = performance.now();
    const r = await trainBuiltin(all, { rules: loadRulesFile(), params: { thresholdFolds: k } });
    rows.push([k, ((performance.now() - t0) / 1000).toFixed(1), r.report.threshold.toFixed(4)]);
  }
  console.log(markdownTable(["thresholdFolds", "training seconds (whole corpus)", "threshold"], rows));
  process.exit(0);
}

if (process.env.THRESHOLD_REPORT !== "1") {
  const rules = loadRulesFile();
  const sanity = await loadSamples([join(PACKAGE_ROOT, "bench", "fixtures", "sanity.jsonl")]);
  const cache = new FeatureCache();
  // The whole corpus first (its validation split and the sanity suite), then each source held out.
  for (const source of [WHOLE, ...sources]) {
    if (done.has(source)) continue;
    const t0 = performance.now();
    const heldOut = all.filter((s) => s.source === source);
    const train = source === WHOLE ? all : all.filter((s) => s.source !== source);
    const r = await trainBuiltin(train, { rules, params: { thresholdFolds: K }, featureCache: cache });
    const h = r.heldOut!;
    const record: FoldRecord = {
      source,
      seconds: Math.round((performance.now() - t0) / 1000),
      groups: h.groups,
      heldOut: labelled(r.model, source === WHOLE ? sanity : heldOut),
      validation: labelled(
        r.model,
        groupSplit(train, DEFAULT_PARAMS.validationFraction, DEFAULT_PARAMS.seed).validation,
      ),
      outOfFold: { logits: h.logits.map(round), labels: h.labels, sourceOf: h.sourceOf, sources: h.sources },
    };
    appendFileSync(resultsFile, JSON.stringify(record) + "\n");
    done.set(source, record);
    console.error(`${source}: ${record.seconds} s`);
  }
}

const whole = done.get(WHOLE);
const folds = sources.map((s) => done.get(s)).filter((r): r is FoldRecord => r !== undefined);
console.log(report(K, whole, folds, resultsFile));
