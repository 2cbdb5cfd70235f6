/**
 * The gap after the last snapshot (security review, audit item 2): entries written after
 * the hourly snapshot were protected by nothing, so someone with write access to the
 * database could cut them for up to an hour. The chain head is now anchored in a small
 * locked object every N entries and every minute, off the request path, and `verify` holds
 * the log to the newest anchor.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { HeadAnchorer } from "../../src/audit/anchor.js";
import { HashChainAuditLog } from "../../src/audit/chain.js";
import { readSeals, type Seal } from "../../src/audit/seals.js";
import { openDatabase } from "../../src/db/index.js";
import { loadConfig } from "../../src/core/config.js";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import type { ObjectStore } from "../../src/storage/types.js";
import { tempDir } from "../helpers/tmp.js";
import { startTestServer } from "../server/helpers.js";

async function waitForHead(store: ObjectStore, atLeast: number, ms = 5000): Promise<Seal> {
  const until = Date.now() + ms;
  for (;;) {
    const head = (await readSeals(store)).filter((s) => s.kind === "head" && s.to >= atLeast).at(-1);
    if (head) return head;
    if (Date.now() > until) assert.fail(`no head anchor at or past #${atLeast} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const entry = (i: number) => ({
  actor: "user:alice",
  action: "model.promote",
  target: `model:${i}`,
  outcome: "success" as const,
});

test("entries after the last snapshot cannot be cut once their head is anchored (server, every 5 entries)", async () => {
  const server = await startTestServer({ env: { BULWARK_AUDIT_ANCHOR_EVERY: "5" } });
  await server.ctx.audit.flush();
  const start = (await server.ctx.audit.head())?.seq ?? 0;
  // Refused logins, each an audit entry: what an attacker would want to hide.
  for (let i = 0; i < 6; i++) {
    const r = await server.call("/v1/auth/login", { json: { username: "admin", password: `guess-${i}` } });
    assert.equal(r.status, 401);
  }
  await server.ctx.audit.flush();
  // The head moved at least 5 past any earlier anchor, so one covers a refused login.
  const anchor = await waitForHead(server.ctx.store, start + 1);
  const lock = await server.ctx.store.head(anchor.key);
  assert.ok(lock.retention, "the anchor is under Object Lock");

  const before = await server.call("/v1/audit/verify", { key: server.adminKey });
  assert.equal(before.body.data.ok, true, JSON.stringify(before.body.data.problems));
  assert.ok(before.body.data.sealedHead.seq >= anchor.to);

  // No snapshot was ever taken; cut the refused logins out of the table.
  await sql`delete from audit_log where seq > ${start}`.execute(server.db.db);
  const after = await server.call("/v1/audit/verify", { key: server.adminKey });
  assert.equal(after.status, 200);
  assert.equal(after.body.data.ok, false, "the cut must be reported");
  const kinds = after.body.data.problems.map((p: { kind: string }) => p.kind);
  assert.ok(kinds.includes("anchor_mismatch"), JSON.stringify(after.body.data.problems));
});

test("the minute timer anchors a moved head, and hiding an anchor is reported", async () => {
  const home = tempDir("bulwark-anchor-");
  const db = await openDatabase(loadConfig({ BULWARK_HOME: home }));
  const log = new HashChainAuditLog(db);
  const store = new FsObjectStore({ root: `${home}/objects`, bucket: "bulwark" });
  await store.init({ objectLock: true });
  const anchorer = new HeadAnchorer(
    log,
    store,
    { every: 0, intervalMs: 100, mode: "GOVERNANCE", retentionDays: 1 },
    (err) => assert.fail(String(err)),
  );
  anchorer.start();
  try {
    for (let i = 1; i <= 3; i++) await log.record(entry(i));
    const anchor = await waitForHead(store, 3);
    assert.equal((await log.verify(store)).ok, true);

    await store.delete(anchor.key);
    const report = await log.verify(store);
    assert.deepEqual(
      report.problems.map((p) => [p.seq, p.kind]),
      [[3, "seal_removed"]],
    );
  } finally {
    await anchorer.close();
    await db.close();
  }
});

test("anchoring never holds up the entry being recorded", async () => {
  const home = tempDir("bulwark-anchor-slow-");
  const db = await openDatabase(loadConfig({ BULWARK_HOME: home }));
  const log = new HashChainAuditLog(db);
  const disk = new FsObjectStore({ root: `${home}/objects`, bucket: "bulwark" });
  await disk.init({ objectLock: true });
  // A store that takes 1.5 s to write: as a slow S3 server would.
  const slow = new Proxy(disk, {
    get(target, prop, receiver) {
      if (prop === "put") {
        return async (...args: Parameters<ObjectStore["put"]>) => {
          await new Promise((r) => setTimeout(r, 1500));
          return target.put(...args);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  const anchorer = new HeadAnchorer(
    log,
    slow,
    { every: 1, intervalMs: 0, mode: "GOVERNANCE", retentionDays: 1 },
    (err) => assert.fail(String(err)),
  );
  log.onCommitted((h) => anchorer.noticed(h.seq));
  try {
    const t0 = Date.now();
    for (let i = 1; i <= 20; i++) await log.record(entry(i));
    assert.ok(Date.now() - t0 < 1500, `20 entries took ${Date.now() - t0} ms with a slow store`);
    await waitForHead(disk, 1, 5000);
  } finally {
    await anchorer.close();
    await db.close();
  }
});
