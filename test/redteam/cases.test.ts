/** Campaign cases: reproducible from a seed, and each one from what it carries alone. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateCases, replayCase } from "../../src/redteam/cases.js";
import { FROZEN_SEED, frozenSuite, isFrozenText, checkCampaignSeed } from "../../src/redteam/suites.js";

test("the same seed and options give the same cases; another seed gives others", () => {
  const a = generateCases({ seed: 11, cases: 300 });
  assert.deepEqual(a, generateCases({ seed: 11, cases: 300 }));
  const b = generateCases({ seed: 12, cases: 300 });
  assert.ok(a.filter((c, i) => c.text === b[i]!.text).length < 10);
  // A longer campaign starts with the shorter one.
  assert.deepEqual(generateCases({ seed: 11, cases: 600 }).slice(0, 300), a);
});

test("a case is rebuilt from {generator, mutators, seed} alone", () => {
  for (const c of generateCases({ seed: 5, cases: 400 })) {
    const again = replayCase({ generator: c.generator, mutators: c.mutators, seed: c.seed });
    assert.equal(again.text, c.text, c.id);
    assert.equal(again.original, c.original, c.id);
  }
});

test("about a fifth are hard negatives, sent undisguised; most attacks are disguised", () => {
  const cases = generateCases({ seed: 8, cases: 2000 });
  const negatives = cases.filter((c) => c.label === 0);
  assert.ok(negatives.length > 300 && negatives.length < 500, `${negatives.length}`);
  assert.ok(negatives.every((c) => c.mutators.length === 0 && c.text === c.original));
  const attacks = cases.filter((c) => c.label === 1);
  const disguised = attacks.filter((c) => c.mutators.length > 0).length / attacks.length;
  assert.ok(disguised > 0.5 && disguised < 0.7, `${disguised}`);
  assert.ok(
    attacks.some((c) => c.mutators.length === 2),
    "some cases stack two mutators",
  );
});

test("generators and mutators can be chosen; none means undisguised", () => {
  const cases = generateCases({
    seed: 1,
    cases: 200,
    generators: ["fiction", "hard_negative"],
    mutators: ["base64"],
  });
  assert.deepEqual(new Set(cases.map((c) => c.generator)), new Set(["fiction", "hard_negative"]));
  assert.ok(cases.every((c) => c.mutators.every((m) => m === "base64")));
  const plain = generateCases({ seed: 1, cases: 100, mutators: [] });
  assert.ok(plain.every((c) => c.mutators.length === 0));
  const onlyAttacks = generateCases({ seed: 1, cases: 50, generators: ["hijack"] });
  assert.ok(onlyAttacks.every((c) => c.label === 1));
});

test("bad options are refused with the reason", () => {
  assert.throws(() => generateCases({ seed: 1, cases: 0 }), /cases must be a whole number from 1/);
  assert.throws(() => generateCases({ seed: -1, cases: 5 }), /seed must be a whole number/);
  assert.throws(
    () => generateCases({ seed: 1, cases: 5, generators: ["nope"] }),
    /unknown red-team generator "nope"/,
  );
  assert.throws(
    () => generateCases({ seed: 1, cases: 5, mutators: ["nope"] }),
    /unknown red-team mutator "nope"/,
  );
  assert.throws(() => checkCampaignSeed(FROZEN_SEED), /reserved for the frozen evaluation suite/);
});

test("the frozen suite is fixed, and its texts are recognised whatever their case and spacing", () => {
  const suite = frozenSuite();
  assert.equal(suite.length, 2000);
  assert.deepEqual(suite.slice(0, 5), generateCases({ seed: FROZEN_SEED, cases: 5, negativeShare: 0.3 }));
  const t = suite[7]!.text;
  assert.ok(isFrozenText(t));
  assert.ok(isFrozenText(`  ${t.toUpperCase().replace(/ /g, "  ")} `));
  assert.equal(isFrozenText("a text no generator writes"), false);
});
