/**
 * Log injection: whatever a caller puts in a username, key name, URL, query or header, the
 * server's log stays one JSON object per line (no forged lines, no raw terminal escapes) and
 * the audit trail keeps the value as data, with its chain intact. The CLI side (escaping
 * stored strings when printing them) is tested in cli-escaping.test.ts.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { keyFor, startTestServer } from "../server/helpers.js";

// Short enough for a username (64 characters), so it reaches the login and the audit trail.
const FORGED = 'x\n{"level":30,"msg":"forged line"}\r\n\u001b[2J\u001b[31mred\u0007';

const server = await startTestServer();
const admin = await keyFor(server, "admin", "log-admin");

describe("log injection", () => {
  test("hostile strings reach the logs only as escaped JSON values", async () => {
    await server.call("/v1/auth/login", { json: { username: FORGED, password: "wrong-password-1" } });
    await server.call(`/v1/datasets/${encodeURIComponent(FORGED)}`, { key: admin });
    await server.call(`/v1/storage/objects?prefix=${encodeURIComponent(FORGED)}`, { key: admin });
    await server.call("/v1/keys", { key: admin, json: { name: FORGED, role: "client" } });
    await server.call("/v1/detect", {
      key: admin,
      json: { text: FORGED },
    });
    assert.ok(server.logs.length > 5);
    for (const line of server.logs) {
      const parsed = JSON.parse(line) as { msg?: string };
      assert.notEqual(parsed.msg, "forged line", `a forged line: ${line}`);
      // JSON escapes control characters, so none may appear raw in a line.

      assert.doesNotMatch(
        line,
        /[\u0000-\u001f\u007f]/,
        `a raw control character in ${JSON.stringify(line)}`,
      );
    }
  });

  test("the audit trail keeps hostile strings as data and stays verifiable", async () => {
    await server.ctx.audit.flush();
    const refused = await server.ctx.audit.list({ action: "auth.refused", limit: 50 });
    assert.ok(
      refused.some((e) => e.target === `user:${FORGED}`),
      "the hostile username is recorded exactly as sent, as data",
    );
    const r = await server.call("/v1/audit?limit=200", { key: admin });
    assert.equal(r.status, 200);
    assert.ok(r.body.data.entries.some((e: { target: string }) => e.target === `user:${FORGED}`));
    const verify = await server.call("/v1/audit/verify", { key: admin });
    assert.equal(verify.status, 200, verify.text);
    assert.equal(verify.body.data.ok, true, verify.text);
  });
});
