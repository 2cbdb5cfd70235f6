import { test } from "node:test";
import assert from "node:assert/strict";
import { validateKey, validatePrefix } from "../../src/storage/keys.js";
import { decodeSegment, encodeSegment } from "../../src/storage/fs/paths.js";
import { StorageError } from "../../src/storage/errors.js";

function refused(key: string, reason: RegExp): void {
  assert.throws(
    () => validateKey(key),
    (err: unknown) => err instanceof StorageError && err.code === "INVALID_KEY" && reason.test(err.message),
    `expected ${JSON.stringify(key.slice(0, 40))} to be refused (${reason})`,
  );
}

test("ordinary keys are accepted, Unicode and dotted names included", () => {
  for (const key of [
    "training-data/main/v1.jsonl",
    "models/guard/1.2.0/model.onnx",
    "a",
    ".env",
    "dir/.hidden/file",
    "名前/データ.jsonl",
    "with space/and+plus=equals&amp",
    "...",
    "a..b",
    "x".repeat(250),
    `${"y".repeat(250)}/${"z".repeat(250)}/${"w".repeat(250)}/${"v".repeat(250)}/1`,
  ]) {
    assert.equal(validateKey(key), key);
  }
});

test("keys that could escape the folder or confuse tools are refused", () => {
  refused("", /empty/);
  refused("/etc/passwd", /relative/);
  refused("..", /"\.\." is not allowed/);
  refused("a/../../b", /"\.\." is not allowed/);
  refused("./a", /"\." is not allowed/);
  refused("a/./b", /"\." is not allowed/);
  refused("a//b", /empty path segment/);
  refused("a/", /empty path segment/);
  refused("a\\..\\b", /backslash/);
  refused("nul\u0000byte", /control character/);
  refused("new\nline", /control character/);
  refused("del\u007f", /control character/);
  refused("c1\u0085", /control character/);
  refused("lone\ud800surrogate", /not valid Unicode/);
  refused("k".repeat(1025), /longer than 1024 bytes/);
  refused("é".repeat(513), /longer than 1024 bytes/);
  refused("s".repeat(251), /segment is longer than 250 bytes/);
  assert.throws(() => validateKey(42 as unknown as string), /must be a string/);
});

test("prefixes may stop mid-segment or at a slash, but not escape", () => {
  assert.equal(validatePrefix(undefined), "");
  assert.equal(validatePrefix("training-data/"), "training-data/");
  assert.equal(validatePrefix("training-data/v"), "training-data/v");
  assert.equal(validatePrefix("a/."), "a/.");
  assert.throws(() => validatePrefix("../"), /INVALID_KEY|not allowed/);
  assert.throws(() => validatePrefix("a/.."), /not allowed/);
  assert.throws(() => validatePrefix("/abs"), /relative/);
});

test("the local backend's segment escaping is reversible and never yields a dot-name", () => {
  for (const segment of [".v", ".bulwark", ".lock", "%", "%2e", "%.x", "plain", "a%b", "..."]) {
    const encoded = encodeSegment(segment);
    assert.ok(!encoded.startsWith("."), encoded);
    assert.equal(decodeSegment(encoded), segment);
  }
  assert.equal(decodeSegment(".v"), undefined);
});
