import { before, test } from "node:test";
import assert from "node:assert/strict";
import { BuiltinModel } from "../../src/detect/model.js";
import { BuiltinDetector } from "../../src/detect/builtin.js";
import { IntegrityError } from "../../src/core/errors.js";
import { smallModel } from "../helpers/model.js";

let trained: Awaited<ReturnType<typeof smallModel>>;
before(async () => {
  trained = await smallModel();
});

test("an artifact round-trips to a model that scores identically", () => {
  const copy = BuiltinModel.deserialize(trained.artifact);
  assert.equal(copy.sha256, trained.model.sha256);
  const a = new BuiltinDetector(trained.model);
  const b = new BuiltinDetector(copy);
  for (const s of trained.samples.slice(0, 50)) assert.equal(a.detect(s.text).score, b.detect(s.text).score);
});

test("a truncated or altered artifact is refused", () => {
  assert.throws(
    () => BuiltinModel.deserialize(trained.artifact.subarray(0, trained.artifact.length - 10)),
    IntegrityError,
  );
  assert.throws(() => BuiltinModel.deserialize(Buffer.from("not a model at all")), IntegrityError);
  const flipped = Buffer.from(trained.artifact);
  flipped[flipped.length - 3]! ^= 0xff;
  // A flipped weight still parses, but its SHA-256 no longer matches the original's.
  assert.notEqual(BuiltinModel.deserialize(flipped).sha256, trained.model.sha256);
});

test("training is deterministic for a seed", async () => {
  const again = await smallModel();
  assert.deepEqual(again.model.weights, trained.model.weights);
  assert.deepEqual(again.model.meta.calibration, trained.model.meta.calibration);
  assert.equal(again.model.meta.threshold, trained.model.meta.threshold);
  const other = await smallModel({ seed: 42 });
  assert.notDeepEqual(other.model.weights, trained.model.weights);
});
