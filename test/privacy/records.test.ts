/**
 * Bulwark's own records keep no personal data: audit details and targets are masked
 * before they are hashed into the chain (which cannot be edited later), and the server's
 * log lines are masked before they are written. Digests and ids in those records survive.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HashChainAuditLog } from "../../src/audit/chain.js";
import { scrubText, scrubValue } from "../../src/privacy/scrub.js";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import { testDatabases } from "../db/databases.js";
import { tempDir } from "../helpers/tmp.js";
import { keyFor, startTestServer } from "../server/helpers.js";

const EMAIL = "jane.doe@example.com";
const CARD = "4111 1111 1111 1111";
const SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

describe("scrubbing a value", () => {
  test("masks personal data in strings and keys, keeps digests, numbers and untouched objects", () => {
    const input = {
      note: `write to ${EMAIL}`,
      nested: [{ card: CARD }, 42, null],
      [EMAIL]: true,
      sha256: SHA,
      requestId: "req-0001",
    };
    const out = scrubValue(input);
    assert.deepEqual(out, {
      note: "write to [EMAIL]",
      nested: [{ card: "[CARD]" }, 42, null],
      "[EMAIL]": true,
      sha256: SHA,
      requestId: "req-0001",
    });
    const clean = { a: "nothing here", b: [1, 2] };
    assert.equal(scrubValue(clean), clean, "an object without personal data is returned as it is");
    assert.equal(scrubText("ok"), "ok");
  });
});

for (const database of await testDatabases()) {
  describe(`audit trail on ${database.dialect}`, async () => {
    const log = new HashChainAuditLog(await database.open());
    const store = new FsObjectStore({ root: tempDir("bulwark-scrub-store-"), bucket: "scrub" });
    await store.init({ objectLock: true });

    test("details and target are masked before they are chained, and the chain verifies", async () => {
      await log.record({
        actor: "user:alice",
        action: "feedback.add",
        target: `report from ${EMAIL}`,
        outcome: "success",
        details: { text: `pay with ${CARD} or mail ${EMAIL}`, sha256: SHA },
      });
      const [entry] = await log.list({ action: "feedback.add" });
      assert.ok(entry);
      assert.equal(entry.target, "report from [EMAIL]");
      assert.deepEqual(entry.details, { text: "pay with [CARD] or mail [EMAIL]", sha256: SHA });
      const report = await log.verify(store);
      assert.equal(report.ok, true, JSON.stringify(report.problems));
    });
  });
}

describe("server log lines", async () => {
  const server = await startTestServer();
  const admin = await keyFor(server, "admin", "scrub-admin");

  test("an e-mail address or card number in a request never reaches the log", async () => {
    await server.call(`/v1/datasets/${encodeURIComponent(EMAIL)}`, { key: admin });
    await server.call(`/v1/datasets/${encodeURIComponent(`card ${CARD}`)}`, { key: admin });
    await server.call(`/v1/storage/objects?prefix=${encodeURIComponent(EMAIL)}`, { key: admin });
    await server.call("/v1/auth/login", { json: { username: EMAIL, password: "wrong-password-1" } });
    const text = server.logs.join("\n");
    assert.ok(server.logs.length > 3, "the requests were logged");
    assert.ok(!text.includes(EMAIL) && !text.includes(encodeURIComponent(EMAIL)), text);
    assert.ok(!text.includes("4111"), text);
    assert.match(text, /\[EMAIL\]/);
  });
});
