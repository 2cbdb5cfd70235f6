import { test } from "node:test";
import assert from "node:assert/strict";
import { Value } from "@sinclair/typebox/value";
import { ValidationError } from "../../src/core/errors.js";
import type { Sample } from "../../src/data/sample.js";
import { loadRulesFile } from "../../src/detect/rules.js";
import {
  DEFAULT_PARAMS,
  parseTrainParams,
  resolveParams,
  trainBuiltin,
  TrainParamsOverridesSchema,
  TrainParamsSchema,
} from "../../src/train/builtin-trainer.js";

/** Asserts that `overrides` are refused with a ValidationError whose message names `path` and says `allowed`. */
function refused(overrides: unknown, path: string, allowed: RegExp): void {
  assert.throws(
    () => parseTrainParams(overrides),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`);
      assert.ok(err.message.includes(path), `"${err.message}" does not name ${path}`);
      assert.match(err.message, allowed);
      return true;
    },
  );
}

test("the defaults pass the schema, and no overrides resolve to the defaults", () => {
  assert.ok(Value.Check(TrainParamsSchema, DEFAULT_PARAMS));
  assert.ok(Value.Check(TrainParamsOverridesSchema, DEFAULT_PARAMS));
  assert.deepEqual(parseTrainParams({}), {});
  assert.deepEqual(parseTrainParams(undefined), {});
  const p = resolveParams();
  assert.ok(Value.Check(TrainParamsSchema, p), "resolved parameters, embeddings pinned, pass too");
  assert.match(p.features.embeddings?.sha256 ?? "", /^[0-9a-f]{64}$/);
  assert.deepEqual(resolveParams(p), p, "a model's recorded parameters resolve to themselves");
});

test("overrides are accepted partly, nested objects too", () => {
  const p = resolveParams({ epochs: 2, window: { stride: 512 }, features: { embeddings: null } });
  assert.equal(p.epochs, 2);
  assert.deepEqual(p.window, { size: 1024, stride: 512 });
  assert.equal(p.features.bits, DEFAULT_PARAMS.features.bits);
  assert.equal(p.features.embeddings, null);
});

test("a window stride too small to move, or wider than the window, is refused", () => {
  refused({ window: { stride: 1e-300 } }, "window.stride", /integer from 16/);
  refused({ window: { stride: 0 } }, "window.stride", /integer from 16/);
  refused({ window: { stride: 2000 } }, "window.stride", /from 16 to window\.size \(1024\), got 2000/);
  refused({ window: { size: 256, stride: 300 } }, "window.stride", /window\.size \(256\)/);
  refused({ window: { size: 10 } }, "window.size", /integer from 64 to 100000/);
});

test("an epoch count that never ends, or no epoch at all, is refused", () => {
  refused({ epochs: 1e9 }, "epochs", /integer from 1 to 100, got 1000000000/);
  refused({ epochs: 0 }, "epochs", /integer from 1 to 100/);
  refused({ epochs: 2.5 }, "epochs", /integer/);
  refused({ epochs: "6" }, "epochs", /integer/);
});

test("numbers outside their ranges, NaN and Infinity are refused", () => {
  refused({ seed: -1 }, "seed", /integer from 0 to 4294967295/);
  refused({ seed: 2 ** 32 }, "seed", /integer from 0 to 4294967295/);
  refused({ alpha: Number.NaN }, "alpha", /greater than 0 and at most 10, got NaN/);
  refused({ l2: Infinity }, "l2", /from 0 to 10, got Infinity/);
  refused({ validationFraction: 1 }, "validationFraction", /greater than 0 and less than 1/);
  refused({ maxFpr: 0 }, "maxFpr", /greater than 0 and less than 1/);
  refused({ categoryBits: 30 }, "categoryBits", /integer from 8 to 24/);
  refused({ thresholdFolds: 1 }, "thresholdFolds", /0 \(off\) or an integer from 2 to 50, got 1/);
  refused({ thresholdFolds: 51 }, "thresholdFolds", /integer from 0 to 50/);
  refused({ thresholdFolds: 2.5 }, "thresholdFolds", /integer/);
  refused({ heldOutMaxFpr: 0 }, "heldOutMaxFpr", /greater than 0 and less than 1/);
  refused({ categoryBits: 22 }, "categoryBits", /from 8 to features\.bits \(20\), got 22/);
  refused({ features: { charMin: 6 } }, "features.charMin", /features\.charMax \(5\)/);
  refused(
    { features: { embeddings: { name: "../../etc/x", dims: 100 } } },
    "features.embeddings.name",
    /matching/,
  );
});

test("unknown parameters and wrong shapes are refused, naming what is known", () => {
  refused({ epoch: 4 }, "epoch", /not a training parameter \(known here: seed, epochs/);
  refused({ window: { step: 4 } }, "window.step", /known here: size, stride/);
  refused([], "training parameters", /must be an object/);
  refused({ features: { wordBigrams: "yes" } }, "features.wordBigrams", /true or false/);
});

test("training refuses bad parameters before it reads any data", async () => {
  let read = false;
  const source = {
    // eslint-disable-next-line require-yield
    async *samples(): AsyncGenerator<Sample> {
      read = true;
    },
  };
  for (const params of [{ window: { stride: 1e-300 } }, { epochs: 1e9 }]) {
    await assert.rejects(trainBuiltin(source, { rules: loadRulesFile(), params }), ValidationError);
  }
  assert.equal(read, false);
});
