/**
 * Training weights: every source counts the same in total, and with classBalance a source
 * holding both labels evens out its halves, so its few benign look-alikes (hard negatives)
 * are not drowned by its attacks. Weights keep a mean of 1 over the rows.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Sample } from "../../src/data/sample.js";
import { countSample, SampleWeights, type SourceCount } from "../../src/train/weights.js";

const rows: Sample[] = [
  // A mixed source: 90 attacks, 10 benign look-alikes.
  ...Array.from({ length: 90 }, (_, i): Sample => ({
    text: `a${i}`,
    label: 1,
    category: "jailbreak",
    source: "mixed",
    lang: "en",
  })),
  ...Array.from({ length: 10 }, (_, i): Sample => ({
    text: `b${i}`,
    label: 0,
    category: "benign",
    source: "mixed",
    lang: "en",
  })),
  // A benign-only source.
  ...Array.from({ length: 50 }, (_, i): Sample => ({
    text: `c${i}`,
    label: 0,
    category: "benign",
    source: "plain",
    lang: "en",
  })),
];
const counts = new Map<string, SourceCount>();
for (const s of rows) countSample(counts, s);
const total = (w: SampleWeights, pick: (s: Sample) => boolean) =>
  rows.filter(pick).reduce((n, s) => n + w.of(s), 0);

test("without classBalance a mixed source's benign rows weigh by their number", () => {
  const w = new SampleWeights(counts, { positiveWeight: 1, sourceBalance: 1 });
  const mixedAttacks = total(w, (s) => s.source === "mixed" && s.label === 1);
  const mixedBenign = total(w, (s) => s.source === "mixed" && s.label === 0);
  assert.ok(Math.abs(mixedAttacks / mixedBenign - 9) < 1e-9);
  assert.ok(Math.abs(total(w, () => true) / rows.length - 1) < 1e-9, "mean weight 1");
  assert.ok(Math.abs(total(w, (s) => s.source === "mixed") - total(w, (s) => s.source === "plain")) < 1e-9);
});

test("with classBalance 1 the two halves of a mixed source weigh the same; single-label sources are untouched", () => {
  const w = new SampleWeights(counts, { positiveWeight: 1, sourceBalance: 1, classBalance: 1 });
  const mixedAttacks = total(w, (s) => s.source === "mixed" && s.label === 1);
  const mixedBenign = total(w, (s) => s.source === "mixed" && s.label === 0);
  assert.ok(Math.abs(mixedAttacks - mixedBenign) < 1e-9);
  assert.ok(Math.abs(total(w, () => true) / rows.length - 1) < 1e-9, "mean weight 1");
  assert.ok(Math.abs(total(w, (s) => s.source === "mixed") - total(w, (s) => s.source === "plain")) < 1e-9);
});
