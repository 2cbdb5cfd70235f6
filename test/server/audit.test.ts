import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { HashChainAuditLog, listSnapshots, snapshotAudit } from "../../src/audit/chain.js";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import { tempDir } from "../helpers/tmp.js";
import { testDatabases } from "../db/databases.js";
import { assertError, keyFor, startTestServer } from "./helpers.js";

for (const database of await testDatabases()) {
  describe(`hash-chained audit log on ${database.dialect}`, async () => {
    const handle = await database.open();
    const log = new HashChainAuditLog(handle);
    const store = new FsObjectStore({ root: tempDir("bulwark-audit-store-"), bucket: "audit-test" });
    await store.init({ objectLock: true });

    const entry = (i: number) => ({
      actor: "user:alice",
      action: "thing.do",
      target: `thing:${i}`,
      outcome: "success" as const,
      details: { i },
    });

    test("entries are numbered without gaps and each links to the one before", async () => {
      for (let i = 1; i <= 5; i++) await log.record(entry(i));
      const all = await log.list({ limit: 100 });
      assert.deepEqual(
        all.map((e) => e.seq),
        [1, 2, 3, 4, 5],
      );
      for (let i = 1; i < all.length; i++) assert.equal(all[i]!.prevHash, all[i - 1]!.hash);
      assert.deepEqual(all[2]!.details, { i: 3 });
      const report = await log.verify(store);
      assert.equal(report.ok, true);
      assert.equal(report.entries, 5);
    });

    test("concurrent writers (separate logs, as separate processes have) never fork the chain", async () => {
      const other = new HashChainAuditLog(await database.open());
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          ((i % 2 === 0 ? log : other) as HashChainAuditLog).record(entry(100 + i)),
        ),
      );
      const report = await log.verify();
      assert.equal(report.ok, true, JSON.stringify(report.problems));
      assert.equal(report.entries, 45);
      assert.equal(report.head!.seq, 45);
    });

    test("snapshots go to snapshots/audit/ under Object Lock and only carry new entries", async () => {
      const first = await snapshotAudit(log, store, { mode: "GOVERNANCE", retentionDays: 1 });
      assert.ok(first);
      assert.equal(first.from, 1);
      assert.equal(first.to, 45);
      assert.equal(first.locked, true);
      const head = await store.head(first.key);
      assert.equal(head.retention?.mode, "GOVERNANCE");
      await assert.rejects(store.delete(first.key, { versionId: first.versionId }), {
        code: "OBJECT_LOCKED",
      });
      const lines = (await store.getBuffer(first.key)).toString().trim().split("\n");
      assert.equal(lines.length, 45);
      assert.equal(await snapshotAudit(log, store, { mode: "GOVERNANCE", retentionDays: 1 }), null);
      await log.record(entry(200));
      const second = await snapshotAudit(log, store, { mode: "GOVERNANCE", retentionDays: 1 });
      assert.deepEqual([second?.from, second?.to], [46, 46]);
      assert.equal((await listSnapshots(store)).length, 2);
      assert.equal((await log.verify(store)).ok, true);
    });

    test("an edited entry is detected", async () => {
      await sql`update audit_log set target = 'thing:forged' where seq = 3`.execute(handle.db);
      const report = await log.verify(store);
      assert.equal(report.ok, false);
      assert.deepEqual(
        report.problems.map((p) => [p.seq, p.kind]),
        [[3, "edited"]],
      );
      await sql`update audit_log set target = 'thing:3' where seq = 3`.execute(handle.db);
      assert.equal((await log.verify(store)).ok, true, "restoring the entry restores the chain");
    });

    test("a removed entry is detected", async () => {
      const saved = await log.range(10, 10);
      await sql`delete from audit_log where seq = 10`.execute(handle.db);
      const report = await log.verify(store);
      assert.equal(report.ok, false);
      assert.deepEqual(
        report.problems.map((p) => [p.seq, p.kind]),
        [
          [10, "removed"],
          [11, "broken_link"],
        ],
      );
      const s = saved[0]!;
      await handle.db
        .insertInto("audit_log")
        .values({
          seq: s.seq,
          ts: s.ts,
          actor: s.actor,
          action: s.action,
          target: s.target,
          outcome: s.outcome,
          details: JSON.stringify(s.details),
          prev_hash: s.prevHash,
          hash: s.hash,
        })
        .execute();
      assert.equal((await log.verify(store)).ok, true);
    });

    test("removing the newest entries is caught by the locked snapshot's anchor", async () => {
      await sql`delete from audit_log where seq >= 40`.execute(handle.db);
      const chainOnly = await log.verify();
      assert.equal(chainOnly.ok, true, "the chain alone cannot see a cut tail");
      const report = await log.verify(store);
      assert.equal(report.ok, false);
      assert.ok(report.problems.some((p) => p.kind === "anchor_mismatch" && p.seq === 46));
      assert.ok(report.problems.some((p) => p.kind === "anchor_mismatch" && p.seq === 45));
    });
  });
}

describe("audit over HTTP", async () => {
  const server = await startTestServer();
  for (let i = 0; i < 3; i++)
    await server.call("/v1/users", {
      key: server.adminKey,
      json: { username: `user${i}`, password: "long enough password", role: "client" },
    });
  await server.call("/v1/users");

  test("GET /v1/audit pages and filters entries (admin only)", async () => {
    await server.ctx.audit.flush();
    const page = await server.call("/v1/audit?limit=2", { key: server.adminKey });
    assert.equal(page.status, 200);
    assert.equal(page.body.data.entries.length, 2);
    assert.equal(page.body.data.next, 2);
    const next = await server.call(`/v1/audit?limit=2&after=${page.body.data.next}`, {
      key: server.adminKey,
    });
    assert.equal(next.body.data.entries[0].seq, 3);
    const refused = await server.call("/v1/audit?action=auth.refused&order=desc", { key: server.adminKey });
    assert.ok(refused.body.data.entries.length >= 1);
    assert.ok(refused.body.data.entries.every((e: { action: string }) => e.action === "auth.refused"));
    const bad = await server.call("/v1/audit?limit=abc", { key: server.adminKey });
    assertError(bad, 400, "VALIDATION_ERROR", /querystring\.limit must be integer/);
    const analyst = await keyFor(server, "analyst", "audit-reader");
    const denied = await server.call("/v1/audit", { key: analyst });
    assertError(denied, 403, "FORBIDDEN", /the analyst role may not do this \(it needs admin\)/);
    assert.equal(denied.body.data, undefined, "no entries are shown");
    await server.ctx.audit.flush();
    const refusal = (await server.ctx.audit.list({ action: "auth.refused", order: "desc", limit: 1 }))[0]!;
    assert.deepEqual(
      [refusal.actor, refusal.target, refusal.outcome, refusal.details?.reason],
      ["key:audit-reader", "GET /v1/audit", "denied", "forbidden_role"],
    );
  });

  test("GET /v1/audit/verify and a snapshot job", async () => {
    const v = await server.call("/v1/audit/verify", { key: server.adminKey });
    assert.equal(v.status, 200);
    assert.equal(v.body.data.ok, true);
    const job = await server.call("/v1/audit/snapshots", { key: server.adminKey, method: "POST" });
    assert.equal(job.status, 202);
    assert.equal(job.body.data.type, "audit.snapshot");
    let status = job.body.data.status;
    let result;
    for (let i = 0; i < 100 && (status === "queued" || status === "running"); i++) {
      await new Promise((r) => setTimeout(r, 50));
      const j = await server.call(`/v1/jobs/${job.body.data.id}`, { key: server.adminKey });
      status = j.body.data.status;
      result = j.body.data.result;
    }
    assert.equal(status, "succeeded");
    assert.equal(result.written, true);
    assert.equal(result.locked, true);
    assert.match(result.key, /^snapshots\/audit\/audit_0000000001-/);
    const v2 = await server.call("/v1/audit/verify", { key: server.adminKey });
    assert.equal(v2.body.data.anchorsChecked, 1);
    assert.equal(v2.body.data.ok, true);
  });
});
