import { test } from "node:test";
import assert from "node:assert/strict";
import { binaryMetrics, rocAuc, thresholdForFpr, tprAtFpr } from "../../src/train/metrics.js";
import { fitPlatt } from "../../src/detect/calibration.js";

test("ROC-AUC: perfect, inverted, ties and a hand-computed case", () => {
  assert.equal(
    rocAuc([
      { score: 0.9, label: 1 },
      { score: 0.1, label: 0 },
    ]),
    1,
  );
  assert.equal(
    rocAuc([
      { score: 0.1, label: 1 },
      { score: 0.9, label: 0 },
    ]),
    0,
  );
  assert.equal(
    rocAuc([
      { score: 0.5, label: 1 },
      { score: 0.5, label: 0 },
    ]),
    0.5,
  );
  // positives 0.8, 0.4; negatives 0.6, 0.2: pairs won 3 of 4
  const items = [
    { score: 0.8, label: 1 as const },
    { score: 0.4, label: 1 as const },
    { score: 0.6, label: 0 as const },
    { score: 0.2, label: 0 as const },
  ];
  assert.equal(rocAuc(items), 0.75);
  assert.equal(rocAuc([{ score: 1, label: 1 }]), null);
});

test("the threshold for 1% FPR lets at most 1% of negatives through", () => {
  const negatives = Array.from({ length: 1000 }, (_, i) => i / 1000);
  const t = thresholdForFpr(negatives, 0.01);
  const passed = negatives.filter((s) => s >= t).length;
  assert.ok(passed <= 10, `${passed} negatives pass`);
  assert.ok(passed >= 9, "and the threshold is not needlessly strict");
});

test("TPR at 1% FPR and the confusion-matrix metrics", () => {
  const items = [
    ...Array.from({ length: 100 }, (_, i) => ({ score: i / 200, label: 0 as const })), // 0 .. 0.495
    ...Array.from({ length: 10 }, (_, i) => ({ score: 0.6 + i / 100, label: 1 as const })),
    { score: 0.1, label: 1 as const },
  ];
  assert.equal(tprAtFpr(items, 0.01), 10 / 11);
  const m = binaryMetrics(items, 0.5);
  assert.equal(m.positives, 11);
  assert.equal(m.negatives, 100);
  assert.equal(m.precision, 1);
  assert.equal(m.recall, 10 / 11);
  assert.equal(m.fpr, 0);
  assert.equal(m.accuracy, 110 / 111);
});

test("Platt scaling recovers a known logistic relation", () => {
  // Labels drawn deterministically from p = sigmoid(2z - 1).
  const logits: number[] = [];
  const labels: (0 | 1)[] = [];
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 20000; i++) {
    const z = rand() * 6 - 3;
    logits.push(z);
    labels.push(rand() < 1 / (1 + Math.exp(-(2 * z - 1))) ? 1 : 0);
  }
  const { a, b } = fitPlatt(logits, labels);
  assert.ok(Math.abs(a - 2) < 0.15, `a = ${a}`);
  assert.ok(Math.abs(b + 1) < 0.15, `b = ${b}`);
});
