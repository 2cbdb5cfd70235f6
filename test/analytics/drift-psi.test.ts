/**
 * Drift's arithmetic: the population stability index of hand-made distributions, computed
 * by hand here, and the fixed bins a profile counts texts into.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BINS,
  binsOf,
  compare,
  emptyProfile,
  EMPTY_SHARE,
  levelOf,
  parseProfile,
  profileOf,
  psi,
} from "../../src/analytics/drift/index.js";

const close = (a: number, b: number, label = "") =>
  assert.ok(Math.abs(a - b) < 1e-12, `${label} ${a} vs ${b}`);

describe("population stability index", () => {
  test("a hand-made pair: Σ (a − e)·ln(a/e) over the shares", () => {
    // Shares 0.5/0.3/0.2 against 0.3/0.3/0.4 (counts on different totals).
    const expected = [50, 30, 20];
    const actual = [60, 60, 80];
    const byHand = (0.3 - 0.5) * Math.log(0.3 / 0.5) + 0 + (0.4 - 0.2) * Math.log(0.4 / 0.2);
    close(psi(expected, actual)!, byHand);
    close(byHand, 0.2 * Math.log(5 / 3) + 0.2 * Math.log(2), "the value itself");
    // Symmetric in this form, and zero for the same shares at any total.
    close(psi(actual, expected)!, byHand);
    assert.equal(psi([1, 2, 3], [10, 20, 30]), 0);
  });

  test("an empty bin is floored at 0.0001 of the total, so a new bin is large but finite", () => {
    const v = psi([100, 0], [50, 50])!;
    const byHand = (0.5 - 1) * Math.log(0.5 / 1) + (0.5 - EMPTY_SHARE) * Math.log(0.5 / EMPTY_SHARE);
    close(v, byHand);
    assert.ok(Number.isFinite(v) && v > 3);
  });

  test("no PSI when a side counts nothing; different bins are a programming error", () => {
    assert.equal(psi([0, 0], [1, 2]), null);
    assert.equal(psi([1, 2], [0, 0]), null);
    assert.throws(() => psi([1], [1, 2]), RangeError);
  });

  test("the customary levels: below 0.1 stable, to 0.25 moderate, then major", () => {
    assert.equal(levelOf(0.05), "stable");
    assert.equal(levelOf(0.1), "moderate");
    assert.equal(levelOf(0.2499), "moderate");
    assert.equal(levelOf(0.25), "major");
    assert.equal(levelOf(null), "unknown");
  });
});

describe("profile bins", () => {
  const o = { score: 0.37, length: 600, lang: "fr", evidence: ["payload:base64", "rule:x"], flagged: true };

  test("each feature's bin: score tenths, length powers of two, language by name, disguise, verdict", () => {
    const b = binsOf(o);
    assert.equal(BINS.score[b.score!], "0.3-0.4");
    assert.equal(BINS.length[b.length!], "512-1023");
    assert.equal(BINS.language[b.language!], "fr");
    assert.equal(BINS.obfuscation[b.obfuscation!], "yes");
    assert.equal(BINS.flagged[b.flagged!], "yes");
    const edge = binsOf({ score: 1, length: 0, lang: "xx", evidence: ["rule:x"], flagged: false });
    assert.equal(BINS.score[edge.score!], "0.9-1.0");
    assert.equal(BINS.length[edge.length!], "<16");
    assert.equal(BINS.language[edge.language!], "other");
    assert.equal(BINS.obfuscation[edge.obfuscation!], "no");
    assert.equal(BINS.length[binsOf({ ...o, length: 1e6 }).length!], ">=16384");
    assert.equal(binsOf({ ...o, lang: null }).language, null, "no language: not counted in that feature");
  });

  test("a profile counts every text, a language only when there is one, and survives JSON", () => {
    const p = profileOf([o, { ...o, lang: null, flagged: false }]);
    assert.equal(p.rows, 2);
    assert.equal(
      p.counts.flagged.reduce((a, b) => a + b),
      2,
    );
    assert.equal(
      p.counts.language.reduce((a, b) => a + b),
      1,
    );
    assert.deepEqual(parseProfile(JSON.parse(JSON.stringify(p))), p);
    assert.equal(parseProfile({ rows: 1, counts: { ...p.counts, score: [1, 2] } }), undefined, "other bins");
    assert.equal(parseProfile(null), undefined);
  });

  test("compare leaves a feature's PSI out below 100 texts on a side", () => {
    const few = profileOf(Array.from({ length: 99 }, () => o));
    const many = profileOf(Array.from({ length: 100 }, () => o));
    assert.ok(compare(few, many).every((f) => f.psi === null && f.level === "unknown"));
    const same = compare(many, many);
    assert.ok(same.every((f) => f.psi === 0 && f.level === "stable"));
    assert.equal(compare(undefined, emptyProfile())[0]!.bins.length, BINS.score.length);
  });
});
