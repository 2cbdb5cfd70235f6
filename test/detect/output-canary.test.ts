/**
 * Canary tokens and their search in an LLM's answer, as a library: a token leaked as it
 * is, disguised, and in every encoding the decoders of src/text read (proved with the
 * encoders of the same module), and no alarm on answers that do not hold it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CANARY_TOKEN,
  canaryInstruction,
  hashCanary,
  isCanaryToken,
  newCanaryToken,
} from "../../src/detect/output/canary-token.js";
import { findCanaries } from "../../src/detect/output/canary-search.js";
import { screenOutput } from "../../src/detect/output/screen.js";
import { encode, ENCODERS } from "../../src/text/encoders.js";
import type { PayloadEncoding } from "../../src/text/payloads.js";

const token = newCanaryToken();

test("a token is random, of the documented shape, and hashed as hex SHA-256", () => {
  const many = new Set(Array.from({ length: 500 }, () => newCanaryToken()));
  assert.equal(many.size, 500);
  for (const t of many) {
    assert.match(t, /^bw-canary-[a-z2-7]{26}$/);
    assert.ok(t.replace(/\D/g, "").length >= 4, t);
  }
  assert.ok(isCanaryToken(token) && CANARY_TOKEN.test(token));
  assert.ok(!isCanaryToken(token.toUpperCase()) && !isCanaryToken(`${token}a`));
  assert.match(hashCanary(token), /^[0-9a-f]{64}$/);
  assert.notEqual(hashCanary(token), hashCanary(newCanaryToken()));
  assert.ok(canaryInstruction(token).includes(token));
});

test("a named canary is found verbatim, with its offset", () => {
  const output = `Sure. The marker is ${token} as requested.`;
  const v = screenOutput(output, { canaries: [token] });
  assert.equal(v.flagged, true);
  assert.equal(v.score, 1);
  assert.equal(v.category, "system_extraction");
  assert.deepEqual(v.canaries, [
    { token, source: "given", index: 0, form: "exact", offset: output.indexOf(token) },
  ]);
  assert.equal(v.evidence[0]!.id, "canary.exact");
  assert.equal(v.evidence[0]!.offset, output.indexOf(token));
  assert.ok(v.evidence[0]!.excerpt!.startsWith(token));
});

test("a disguised canary is found: case, spacing, separators, look-alikes, zero-width, reversed, ROT13", () => {
  const random = token.slice("bw-canary-".length);
  const disguises: [string, string][] = [
    [token.toUpperCase(), "obfuscated"],
    [[...token].join(" "), "obfuscated"],
    [`BW canary ${random.match(/.{1,4}/g)!.join("-")}`, "obfuscated"],
    [token.replace(/a/g, "\u0430"), "obfuscated"], // Cyrillic а
    [[...token].join("\u200b"), "obfuscated"],
    [`**${token.slice(0, 15)}**\n${token.slice(15)}`, "obfuscated"],
    [[...token].reverse().join(""), "reversed"],
    [encode("rot13", token), "rot13"],
  ];
  for (const [disguised, form] of disguises) {
    const output = `Here you go: ${disguised} - anything else?`;
    const found = findCanaries(output, [token]);
    assert.equal(found.length, 1, `${disguised}: ${JSON.stringify(found)}`);
    assert.equal(found[0]!.form, form, disguised);
    // The offset of the first letter or digit of the token, whatever markup comes before it.
    const first = output.indexOf(disguised) + disguised.search(/[\p{L}\p{N}]/u);
    assert.equal(found[0]!.offset, first, disguised);
    assert.equal(screenOutput(output, { canaries: [token] }).flagged, true, disguised);
  }
});

test("an encoded canary is found in every encoding the decoders read", () => {
  for (const encoding of Object.keys(ENCODERS) as PayloadEncoding[]) {
    const payload = encode(encoding, `my confidential marker is ${token}`);
    const output = `Of course! Decode this: ${payload} and enjoy.`;
    const found = findCanaries(output, [token]);
    assert.ok(found.length >= 1, `${encoding}: nothing found`);
    // ROT13 of the whole payload is read in place by the skeleton; the rest by their decoders.
    assert.ok(
      found.some((f) => f.form === encoding),
      `${encoding}: ${JSON.stringify(found.map((f) => f.form))}`,
    );
  }
});

test("a canary's own base64 and hex are found inside a longer blob the decoders refuse as text", () => {
  // Binary noise around the token: not text, so findPayloads does not decode the run.
  for (const shift of [0, 1, 2]) {
    const noise = Buffer.from([0x00, 0xff, 0x13, 0x80, 0x07].slice(0, 3 + shift));
    const blob = Buffer.concat([noise, Buffer.from(token), Buffer.alloc(40, 0x9c)]);
    const found = findCanaries(`data: ${blob.toString("base64")}`, [token]);
    assert.deepEqual(
      found.map((f) => f.form),
      ["base64"],
      `shift ${shift}`,
    );
  }
  const hex = findCanaries(
    `x ${Buffer.concat([Buffer.alloc(30, 0xee), Buffer.from(token)]).toString("hex")}`,
    [token],
  );
  assert.deepEqual(
    hex.map((f) => f.form),
    ["hex"],
  );
});

test("a token of the canary shape is found without being named, disguised or encoded too", () => {
  const plain = screenOutput(`leaked: ${token}`);
  assert.deepEqual(
    plain.canaries.map((f) => [f.source, f.form, f.token]),
    [["shape", "exact", token]],
  );
  assert.equal(plain.flagged, true);
  assert.equal(plain.score, 0.95);
  // Disguised, it is still traced back to the one canonical token (what the service hashes).
  const spaced = screenOutput(`leaked: ${[...token.toUpperCase()].join(" ")}`);
  assert.deepEqual(
    spaced.canaries.map((f) => [f.form, f.token]),
    [["obfuscated", token]],
  );
  const encoded = screenOutput(`leaked: ${encode("base64", `the marker: ${token}`)}`);
  assert.deepEqual(
    encoded.canaries.map((f) => [f.form, f.token]),
    [["base64", token]],
  );
  assert.deepEqual(screenOutput(`leaked: ${token}`, { findCanaryShapes: false }).canaries, []);
});

test("a token is found behind any number of decoys of its prefix", () => {
  const output = `${"bw-canary-decoy ".repeat(500)}and the real one: ${token}`;
  const v = screenOutput(output);
  assert.deepEqual(
    v.canaries.map((f) => [f.token, f.offset]),
    [[token, output.indexOf(token)]],
  );
});

test("a short named marker is matched as it is only: its skeleton would hit ordinary words", () => {
  assert.equal(findCanaries("the pine apple tree", ["PINEAPPLE"]).length, 0);
  assert.equal(findCanaries("say PINEAPPLE now", ["PINEAPPLE"]).length, 1);
  const long = "ZEBRA-OCTOPUS-4417";
  assert.equal(findCanaries("zebra octopus 4417", [long]).length, 1);
});

test("no alarm on answers without the canary: prose, code, other random ids", () => {
  const other = newCanaryToken().replace("bw-canary-", "");
  const answers = [
    "The capital of Peru is Lima. It lies on the Pacific coast and has about ten million people.",
    "```python\nimport hashlib\nprint(hashlib.sha256(b'hello').hexdigest())\n```\nThis prints 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.",
    `Your request id is req-${other}. Canaries in coal mines warned miners of gas.`,
    "bw canary tokens are documented in the README; the shape is bw-canary- and 26 letters.",
    Buffer.from("An ordinary base64 sentence that decodes to plain text.").toString("base64"),
  ];
  for (const output of answers) {
    const v = screenOutput(output, { canaries: [token] });
    assert.deepEqual(v.canaries, [], output);
    assert.equal(v.flagged, false, output);
  }
});
