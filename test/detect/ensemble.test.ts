/** The ensemble: a loop over detectors that stays synchronous while every member is. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Ensemble, UnknownDetectorError } from "../../src/detect/ensemble.js";
import type { DetectOptions, Detector, Verdict } from "../../src/detect/types.js";

/** A detector that scores every text the same, answering at once or after a tick. */
function fixed(name: string, score: number, threshold: number, wait = false): Detector {
  const model = { name, version: "1.0.0", sha256: name.padEnd(64, "0") };
  const verdict = (options: DetectOptions = {}): Verdict => {
    const t = options.threshold ?? threshold;
    return {
      score,
      flagged: score >= t,
      category: score >= t ? "jailbreak" : null,
      threshold: t,
      evidence: [{ kind: "detector", id: name, description: `${name} says ${score}` }],
      windows: { count: 1, worst: { offset: 0, length: 4, score } },
      model,
      latencyMs: 1,
    };
  };
  return {
    name,
    model,
    threshold,
    window: { size: 1024, stride: 768 },
    detect: (_text, options) =>
      wait ? new Promise((r) => setImmediate(() => r(verdict(options)))) : verdict(options),
  };
}

test("members that answer at once give an answer at once; the highest score decides", () => {
  const ensemble = new Ensemble([fixed("a", 0.2, 0.5), fixed("b", 0.7, 0.9)]);
  const v = ensemble.detect("text");
  assert.ok(!(v instanceof Promise));
  assert.equal(v.score, 0.7);
  assert.equal(v.flagged, false, "b's score is under b's own threshold, a's too");
  assert.equal(v.evidence[0]!.id, "b");
  assert.deepEqual(v.detectors, [
    { name: "a", score: 0.2, flagged: false },
    { name: "b", score: 0.7, flagged: false },
  ]);
  assert.equal(v.latencyMs, 2);
});

test("any member flagging flags the text, with its category when the worst score had none", () => {
  const v = new Ensemble([fixed("strict", 0.4, 0.3), fixed("lenient", 0.6, 0.99)]).detect("x") as Verdict;
  assert.equal(v.flagged, true);
  assert.equal(v.score, 0.6);
  assert.equal(v.category, "jailbreak");
});

test("a member that must wait makes the answer a promise with the same combination", async () => {
  const answer = new Ensemble([fixed("fast", 0.1, 0.5), fixed("slow", 0.8, 0.5, true)]).detect("x");
  assert.ok(answer instanceof Promise);
  const v = await answer;
  assert.equal(v.score, 0.8);
  assert.equal(v.flagged, true);
  assert.deepEqual(
    v.detectors?.map((d) => d.name),
    ["fast", "slow"],
  );
});

test("select keeps the named members in order and refuses an unknown name", () => {
  const ensemble = new Ensemble([fixed("a", 0.1, 0.5), fixed("b", 0.2, 0.5), fixed("c", 0.3, 0.5)]);
  assert.deepEqual(ensemble.select(["c", "a"]).names, ["a", "c"]);
  assert.equal(ensemble.select(undefined), ensemble);
  assert.throws(
    () => ensemble.select(["a", "zz"]),
    (err: unknown) =>
      err instanceof UnknownDetectorError &&
      err.code === "UNKNOWN_DETECTOR" &&
      /available: a, b, c/.test(err.message),
  );
  const single = ensemble.select(["b"]).detect("x") as Verdict;
  assert.equal(single.detectors, undefined, "one detector: its own verdict, no member list");
});

test("an ensemble refuses to be empty or to hold two detectors of one name", () => {
  assert.throws(() => new Ensemble([]), /at least one/);
  assert.throws(() => new Ensemble([fixed("a", 0, 1), fixed("a", 0, 1)]), /two detectors/);
});

test("weighted: the weighted mean of the members' scores, flagged at the ensemble's threshold", () => {
  const members = [fixed("a", 0.9, 0.5), fixed("b", 0.3, 0.5), fixed("c", 0.1, 0.5)];
  const ensemble = new Ensemble(members, { combine: "weighted", weights: [1, 2, 1], threshold: 0.4 });
  const v = ensemble.detect("x") as Verdict;
  assert.ok(Math.abs(v.score - (0.9 + 2 * 0.3 + 0.1) / 4) < 1e-12, `score ${v.score}`);
  assert.equal(v.flagged, true, "0.4 >= 0.4");
  assert.equal(v.threshold, 0.4);
  assert.equal(v.category, "jailbreak", "from the most confident member that named one");
  assert.deepEqual(
    v.evidence.map((e) => e.id),
    ["a", "b", "c"],
  );
  assert.deepEqual(
    v.detectors?.map((d) => [d.name, d.score, d.flagged]),
    [
      ["a", 0.9, true],
      ["b", 0.3, false],
      ["c", 0.1, false],
    ],
  );
  // One member flagging is not enough when the others outweigh it.
  const calm = new Ensemble(members, { combine: "weighted", weights: [1, 4, 4], threshold: 0.4 });
  assert.equal((calm.detect("x") as Verdict).flagged, false);
  // The request's threshold is for the combined score; members keep their own.
  const strict = ensemble.detect("x", { threshold: 0.45 }) as Verdict;
  assert.equal(strict.flagged, false);
  assert.equal(strict.detectors?.[0]?.flagged, true);
});

test("mean weighs alike, defaults its threshold to the members', and keeps the weights of the members a request names", async () => {
  const ensemble = new Ensemble([fixed("a", 0.8, 0.6), fixed("b", 0.2, 0.4, true)], { combine: "mean" });
  assert.equal(ensemble.threshold, 0.5);
  const v = await ensemble.detect("x");
  assert.equal(v.score, 0.5);
  assert.equal(v.flagged, true);

  const model = { name: "guard", version: "2.0.0", sha256: "f".repeat(64) };
  const weighted = new Ensemble([fixed("a", 0.8, 0.5), fixed("b", 0.2, 0.5), fixed("c", 0.5, 0.5)], {
    combine: "weighted",
    weights: [3, 1, 6],
    model,
  });
  assert.deepEqual(weighted.model, model, "a registry ensemble reports its own version");
  const ab = weighted.select(["a", "b"]).detect("x") as Verdict;
  assert.equal(ab.score, (3 * 0.8 + 0.2) / 4);
  assert.deepEqual(ab.model, model);
  assert.throws(
    () => new Ensemble([fixed("a", 0, 0.5), fixed("b", 0, 0.5)], { combine: "weighted", weights: [1] }),
    RangeError,
  );
  assert.throws(
    () => new Ensemble([fixed("a", 0, 0.5), fixed("b", 0, 0.5)], { combine: "weighted", weights: [1, 0] }),
    RangeError,
  );
});
