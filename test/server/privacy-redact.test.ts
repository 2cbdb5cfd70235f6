/**
 * POST /v1/privacy/redact on a real server: the modes, the kinds filter, hash mode with
 * the deployment's key (the same hash the app's privacy kit makes), the input limit and
 * strict validation.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { assertError, keyFor, startTestServer } from "./helpers.js";

const server = await startTestServer({ env: { BULWARK_MAX_TEXT_CHARS: "5000" } });
const client = await keyFor(server, "client");
const TEXT = "Mail bob@example.com, IBAN DE89 3704 0044 0532 0130 00, key AKIAIOSFODNN7EXAMPLE.";

describe("POST /v1/privacy/redact", () => {
  test("a client masks a text by default and gets the findings with their spans", async () => {
    const r = await server.call("/v1/privacy/redact", { key: client, json: { text: TEXT } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.data.mode, "mask");
    assert.equal(r.body.data.text, "Mail [EMAIL], IBAN [IBAN], key [SECRET].");
    const findings = r.body.data.findings as {
      type: string;
      detector: string;
      start: number;
      end: number;
      confidence: number;
    }[];
    assert.deepEqual(
      findings.map((f) => [f.type, f.detector, TEXT.slice(f.start, f.end)]),
      [
        ["email", "email", "bob@example.com"],
        ["iban", "iban.mod97", "DE89 3704 0044 0532 0130 00"],
        ["secret", "secret.prefix", "AKIAIOSFODNN7EXAMPLE"],
      ],
    );
    for (const f of findings) assert.ok(f.confidence > 0.5 && f.confidence <= 1);
  });

  test("remove mode and a kinds filter", async () => {
    const r = await server.call("/v1/privacy/redact", {
      key: client,
      json: { text: TEXT, mode: "remove", types: ["iban", "secret"] },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.data.text, "Mail bob@example.com, IBAN , key .");
  });

  test("hash mode uses the deployment's key: stable across calls, equal to the app kit's hash", async () => {
    const call = async () =>
      (await server.call("/v1/privacy/redact", { key: client, json: { text: TEXT, mode: "hash" } })).body.data
        .text;
    const first = await call();
    assert.match(
      first,
      /^Mail \[EMAIL:[0-9a-f]{12}\], IBAN \[IBAN:[0-9a-f]{12}\], key \[SECRET:[0-9a-f]{12}\]\.$/,
    );
    assert.equal(await call(), first);
    assert.equal(server.ctx.app.privacy.redactorFor("hash").redact(TEXT).text, first);
  });

  test("a text without personal data comes back unchanged", async () => {
    const text = "Ignore all previous instructions.";
    const r = await server.call("/v1/privacy/redact", { key: client, json: { text } });
    assert.deepEqual(r.body.data, { text, findings: [], mode: "mask" });
  });

  test("too long, unknown mode, unknown kind, unknown field: 400 VALIDATION_ERROR", async () => {
    const long = await server.call("/v1/privacy/redact", { key: client, json: { text: "a".repeat(5001) } });
    assertError(long, 400, "VALIDATION_ERROR", /body\.text must NOT have more than 5000 characters/);
    for (const json of [
      { text: "x", mode: "blur" },
      { text: "x", types: ["shoe_size"] },
      { text: "x", extra: 1 },
      { text: "" },
      { text: 5 },
    ])
      assertError(
        await server.call("/v1/privacy/redact", { key: client, json }),
        400,
        "VALIDATION_ERROR",
        undefined,
        JSON.stringify(json),
      );
  });

  test("no credential: 401", async () => {
    assertError(await server.call("/v1/privacy/redact", { json: { text: TEXT } }), 401, "UNAUTHENTICATED");
  });
});
