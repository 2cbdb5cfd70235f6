/** The promotion rule as a pure function: it promotes a better challenger and refuses each way of being worse. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decide, DEFAULT_RULE, describeRule, type ModelFigures } from "../../src/learn/rule.js";

/** Figures for the three suites a cycle evaluates on. */
function figures(o: {
  validationRecall: number;
  validationFpr: number;
  frozenRecall: number;
  hardNegativeFpr: number;
}): ModelFigures {
  return {
    validation: { n: 1000, attacks: 400, benign: 600, recall: o.validationRecall, fpr: o.validationFpr },
    frozen: { n: 1400, attacks: 1400, benign: 0, recall: o.frozenRecall, fpr: null },
    "hard-negatives": { n: 640, attacks: 0, benign: 640, recall: null, fpr: o.hardNegativeFpr },
  };
}

const champion = figures({
  validationRecall: 0.68,
  validationFpr: 0.01,
  frozenRecall: 0.52,
  hardNegativeFpr: 0.1,
});

describe("promotion rule", () => {
  test("a challenger that catches more of the frozen suite, no less of validation and flags no more benign texts is promoted", () => {
    const d = decide(
      DEFAULT_RULE,
      champion,
      figures({ validationRecall: 0.68, validationFpr: 0.009, frozenRecall: 0.84, hardNegativeFpr: 0.05 }),
    );
    assert.equal(d.promote, true, d.reason);
    assert.ok(d.checks.every((c) => c.passed));
    // recall on frozen, recall on validation, FPR on hard-negatives and on validation.
    assert.deepEqual(
      d.checks.map((c) => `${c.metric}:${c.suite}`),
      ["recall:frozen", "recall:validation", "fpr:hard-negatives", "fpr:validation"],
    );
    assert.match(d.reason, /met every condition/);
  });

  test("equal recall on the frozen suite is not higher: rejected", () => {
    const d = decide(
      DEFAULT_RULE,
      champion,
      figures({ validationRecall: 0.7, validationFpr: 0.01, frozenRecall: 0.52, hardNegativeFpr: 0.1 }),
    );
    assert.equal(d.promote, false);
    assert.match(d.reason, /recall on frozen 0\.5200 vs 0\.5200 \(must be higher\)/);
  });

  test("lower recall on the validation split vetoes a gain on the frozen suite", () => {
    const d = decide(
      DEFAULT_RULE,
      champion,
      figures({ validationRecall: 0.6, validationFpr: 0.01, frozenRecall: 0.91, hardNegativeFpr: 0.05 }),
    );
    assert.equal(d.promote, false);
    assert.deepEqual(
      d.checks.filter((c) => !c.passed).map((c) => c.suite),
      ["validation"],
    );
    assert.match(d.reason, /recall on validation 0\.6000 vs 0\.6800 \(must be not lower\)/);
  });

  test("a higher false-positive rate on any benign suite is rejected even when recall rises everywhere", () => {
    const d = decide(
      DEFAULT_RULE,
      champion,
      figures({ validationRecall: 0.75, validationFpr: 0.01, frozenRecall: 0.95, hardNegativeFpr: 0.25 }),
    );
    assert.equal(d.promote, false);
    assert.deepEqual(
      d.checks.filter((c) => !c.passed).map((c) => `${c.metric}:${c.suite}`),
      ["fpr:hard-negatives"],
    );
    assert.match(d.reason, /false-positive rate on hard-negatives 0\.2500 vs 0\.1000/);
  });

  test("the tolerance lets the false-positive rate rise by that much and no more", () => {
    const challenger = figures({
      validationRecall: 0.7,
      validationFpr: 0.01,
      frozenRecall: 0.8,
      hardNegativeFpr: 0.11,
    });
    assert.equal(decide(DEFAULT_RULE, champion, challenger).promote, false);
    assert.equal(decide({ ...DEFAULT_RULE, fprTolerance: 0.01 }, champion, challenger).promote, true);
    assert.equal(decide({ ...DEFAULT_RULE, fprTolerance: 0.005 }, champion, challenger).promote, false);
  });

  test("a recall tolerance lets validation recall fall by that much, never the frozen suite's gain", () => {
    const challenger = figures({
      validationRecall: 0.665,
      validationFpr: 0.01,
      frozenRecall: 0.8,
      hardNegativeFpr: 0.05,
    });
    assert.equal(decide(DEFAULT_RULE, champion, challenger).promote, false);
    const tolerant = decide({ ...DEFAULT_RULE, recallTolerance: 0.02 }, champion, challenger);
    assert.equal(tolerant.promote, true, tolerant.reason);
    assert.equal(
      tolerant.checks.find((c) => c.suite === "validation" && c.metric === "recall")?.requirement,
      "not lower (-0.02)",
    );
    const flat = figures({
      validationRecall: 0.68,
      validationFpr: 0.01,
      frozenRecall: 0.52,
      hardNegativeFpr: 0.05,
    });
    assert.equal(decide({ ...DEFAULT_RULE, recallTolerance: 0.02 }, champion, flat).promote, false);
    assert.match(
      describeRule({ ...DEFAULT_RULE, recallTolerance: 0.02 }),
      /recall on validation not lower \(tolerance 0\.02\)/,
    );
  });

  test("a suite the rule names but the figures lack fails its check: an unverifiable rule never promotes", () => {
    const d = decide(
      { ...DEFAULT_RULE, recallHigherOn: ["frozen", "leave-one-source-out"] },
      champion,
      figures({ validationRecall: 0.7, validationFpr: 0.005, frozenRecall: 0.9, hardNegativeFpr: 0.05 }),
    );
    assert.equal(d.promote, false);
    assert.match(d.reason, /recall on leave-one-source-out n\/a vs n\/a/);
  });

  test("the rule in words names every condition", () => {
    assert.equal(
      describeRule(DEFAULT_RULE),
      "recall on frozen higher AND recall on validation not lower AND false-positive rate on every benign suite no worse",
    );
    assert.match(describeRule({ ...DEFAULT_RULE, fprTolerance: 0.02 }), /\(tolerance 0\.02\)$/);
  });
});
