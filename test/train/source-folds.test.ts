/**
 * thresholdFolds: calibration and threshold from models that never saw a text's source. The
 * sources are dealt into groups whole, every training row is scored by the model of the fold
 * that held its source out, and the threshold keeps the false positives on those sources
 * (averaged over them) within heldOutMaxFpr as well as maxFpr on the validation split, while
 * the final model still learns from every row.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ValidationError } from "../../src/core/errors.js";
import { loadBundledCorpus } from "../../src/data/corpus.js";
import type { Sample } from "../../src/data/sample.js";
import { BuiltinDetector } from "../../src/detect/builtin.js";
import { loadRulesFile } from "../../src/detect/rules.js";
import { dealSources, trainBuiltin } from "../../src/train/builtin-trainer.js";
import { thresholdForMeanFpr } from "../../src/train/metrics.js";

async function corpusSlice(rows: number): Promise<Sample[]> {
  const all = await loadBundledCorpus();
  return all.filter((_, i) => i % Math.ceil(all.length / rows) === 0);
}

test("sources are dealt whole into groups of similar size, at most one group per source", () => {
  const rows = new Map([
    ["a", 500],
    ["b", 400],
    ["c", 300],
    ["d", 200],
    ["e", 100],
  ]);
  const groups = dealSources(rows, 2);
  assert.deepEqual(groups, [
    ["a", "d", "e"],
    ["b", "c"],
  ]);
  assert.deepEqual(dealSources(rows, 2), groups, "the same every time");
  assert.equal(dealSources(rows, 9).length, 5, "never more groups than sources");
  assert.deepEqual(dealSources(rows, 9).flat().sort(), ["a", "b", "c", "d", "e"]);
});

test("the mean-FPR threshold weighs each source the same, whatever its size", () => {
  // Source 0: 1,000 benign rows scoring low; source 1: 10 benign rows scoring high.
  const scores = [
    ...Array.from({ length: 1000 }, (_, i) => i / 10_000),
    ...Array.from({ length: 10 }, (_, i) => 0.5 + i / 100),
  ];
  const groupOf = [...Array.from({ length: 1000 }, () => 0), ...Array.from({ length: 10 }, () => 1)];
  const t = thresholdForMeanFpr(scores, groupOf, 0.05);
  const fpr = (g: number) =>
    scores.filter((s, i) => groupOf[i] === g && s >= t).length / groupOf.filter((x) => x === g).length;
  assert.ok((fpr(0) + fpr(1)) / 2 <= 0.05, `mean FPR ${(fpr(0) + fpr(1)) / 2}`);
  // By row, the ten high scores are 1% of the negatives and could all pass at 5%; by source,
  // the small source's own rate counts half, so at most one of its ten may pass.
  assert.ok(fpr(1) <= 0.1, `the small source's FPR ${fpr(1)}`);
  assert.ok(fpr(1) > 0, "and the threshold is not needlessly strict");
});

test("with thresholdFolds every row is scored by a model that never saw its source, and the threshold holds there and on validation", async () => {
  const samples = await corpusSlice(2500);
  const sources = new Set(samples.map((s) => s.source));
  const r = await trainBuiltin(samples, {
    rules: loadRulesFile(),
    params: { epochs: 2, thresholdFolds: 3 },
  });
  const h = r.heldOut!;
  assert.equal(h.groups.length, 3);
  assert.deepEqual(new Set(h.groups.flat()), sources, "every source held out once");
  assert.equal(h.groups.flat().length, sources.size, "and only once");
  assert.equal(h.logits.length, samples.length, "every row scored out of fold");
  // The first fold's scores are those of a model trained without its sources, exactly.
  const first = new Set(h.groups[0]);
  const without = await trainBuiltin(
    samples.filter((s) => !first.has(s.source)),
    { rules: loadRulesFile(), params: { epochs: 2 } },
  );
  const detector = new BuiltinDetector(without.model);
  const expected = samples.filter((s) => first.has(s.source)).map((s) => detector.score(s.text).logit);
  assert.deepEqual(h.logits.slice(0, expected.length), expected);
  assert.ok(
    h.sourceOf.slice(0, expected.length).every((i) => first.has(h.sources[i]!)),
    "each row named with its own source",
  );
  // Both promises hold: maxFpr on the validation split, heldOutMaxFpr averaged over the held-out sources.
  const held = r.report.heldOutSources!;
  assert.equal(held.overall.n, samples.length);
  const fprs = Object.values(held.bySource)
    .map((m) => m.fpr)
    .filter((x): x is number => x !== null);
  const meanFpr = fprs.reduce((a, b) => a + b, 0) / fprs.length;
  assert.ok(meanFpr <= 0.05, `mean held-out FPR ${meanFpr} at the threshold`);
  assert.ok(r.report.overall.fpr! <= 0.01, `validation FPR ${r.report.overall.fpr}`);
  assert.equal(r.model.meta.threshold, r.report.threshold);
  assert.equal(r.model.meta.params.thresholdFolds, 3, "the model records how its threshold was chosen");
  assert.ok(r.model.meta.metrics.heldOutSources, "and what it gave on the held-out sources");
  // The final model learned from every training row: it is the model trained without folds,
  // only calibrated and thresholded differently.
  const plain = await trainBuiltin(samples, { rules: loadRulesFile(), params: { epochs: 2 } });
  assert.deepEqual(r.model.weights, plain.model.weights);
  assert.equal(plain.heldOut, undefined);
  assert.notEqual(plain.model.meta.threshold, r.model.meta.threshold);
});

test("thresholdFolds on data from one source is refused, saying why", async () => {
  const samples = (await corpusSlice(2500)).map((s) => ({ ...s, source: "only" }));
  await assert.rejects(
    trainBuiltin(samples, { rules: loadRulesFile(), params: { epochs: 1, thresholdFolds: 3 } }),
    (err: unknown) =>
      err instanceof ValidationError && /at least two sources/.test(err.message) && /has 1/.test(err.message),
  );
});
