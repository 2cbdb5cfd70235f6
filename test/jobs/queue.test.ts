import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { InProcessQueue } from "../../src/jobs/inprocess.js";
import { testDatabases } from "../db/databases.js";
import { finished, makeSystem, waitFor } from "./helpers.js";

for (const database of await testDatabases()) {
  describe(`in-process job queue on ${database.dialect}`, async () => {
    const handle = await database.open();
    const system = makeSystem(handle);
    const queue = system.queue as InProcessQueue;
    await queue.start();
    after(() => queue.close());
    const get = (id: string) => () => system.store.get(id);

    test("runs a job with progress and a log, and records the result", async () => {
      const job = await queue.enqueue("system.selftest", { ms: 200 }, { createdBy: "test" });
      assert.equal(job.status, "queued");
      assert.equal(job.backend, "inprocess");
      const done = await waitFor(get(job.id), finished);
      assert.equal(done.status, "succeeded");
      assert.equal(done.progress, 1);
      assert.equal(done.attempts, 1);
      assert.deepEqual((done.result as { waitedMs: number }).waitedMs, 200);
      const logs = await system.store.logs(job.id);
      assert.match(logs[0]!.message, /attempt 1 of 2 started/);
      assert.equal(logs.at(-1)!.message, "finished");
      assert.deepEqual(
        logs.map((l) => l.seq),
        logs.map((_, i) => i + 1),
      );
    });

    test("a failed attempt is retried; out of attempts it fails with the error", async () => {
      const retried = await queue.enqueue("system.selftest", { ms: 10, failTimes: 1 }, { createdBy: "test" });
      const ok = await waitFor(get(retried.id), finished);
      assert.equal(ok.status, "succeeded");
      assert.equal(ok.attempts, 2);
      const doomed = await queue.enqueue("system.selftest", { ms: 10, failTimes: 5 }, { createdBy: "test" });
      const failed = await waitFor(get(doomed.id), finished);
      assert.equal(failed.status, "failed");
      assert.equal(failed.attempts, 2);
      assert.match(failed.error ?? "", /failing attempt 2 on purpose/);
      const logs = (await system.store.logs(doomed.id)).map((l) => l.message);
      assert.ok(logs.some((m) => /attempt 1 failed/.test(m)));
    });

    test("cancelling a queued job and a running one", async () => {
      const running = await queue.enqueue("system.selftest", { ms: 20_000 }, { createdBy: "test" });
      const waiting = await queue.enqueue("system.selftest", { ms: 10 }, { createdBy: "test" });
      await waitFor(get(running.id), (j) => j.status === "running");
      assert.equal((await queue.cancel(waiting.id)).status, "cancelled");
      await queue.cancel(running.id);
      const stopped = await waitFor(get(running.id), finished, 5_000);
      assert.equal(stopped.status, "cancelled");
      assert.equal((await system.store.get(waiting.id)).status, "cancelled");
    });

    test("bad payloads and unknown types are refused at enqueue", async () => {
      await assert.rejects(queue.enqueue("system.selftest", { ms: -1 }, { createdBy: "test" }), {
        code: "VALIDATION_ERROR",
      });
      await assert.rejects(queue.enqueue("system.selftest", { extra: 1 }, { createdBy: "test" }), {
        code: "VALIDATION_ERROR",
      });
      await assert.rejects(queue.enqueue("no.such.type", {}, { createdBy: "test" }), {
        code: "VALIDATION_ERROR",
      });
    });

    test("jobs of a process that died are retried, or failed when out of attempts", async () => {
      const stale = new Date(Date.now() - 60_000).toISOString();
      const orphan = await system.store.create({
        type: "system.selftest",
        payload: { ms: 10, failTimes: 0 },
        createdBy: "test",
        maxAttempts: 2,
        backend: "inprocess",
      });
      const spent = await system.store.create({
        type: "system.selftest",
        payload: { ms: 10, failTimes: 0 },
        createdBy: "test",
        maxAttempts: 1,
        backend: "inprocess",
      });
      for (const id of [orphan.id, spent.id]) {
        await handle.db
          .updateTable("jobs")
          .set({
            status: "running",
            attempts: 1,
            heartbeat_at: stale,
            started_at: stale,
            worker: "deadhost:4242",
          })
          .where("id", "=", id)
          .execute();
      }
      await queue.recover();
      const retried = await waitFor(get(orphan.id), finished);
      assert.equal(retried.status, "succeeded");
      assert.equal(retried.attempts, 2);
      const failed = await waitFor(get(spent.id), finished);
      assert.equal(failed.status, "failed");
      assert.match(failed.error ?? "", /deadhost:4242\) stopped before it finished/);
    });

    test("listing and counting by status", async () => {
      const counts = await system.store.countByStatus();
      assert.ok(counts.succeeded >= 3);
      assert.ok(counts.cancelled >= 2);
      const failed = await system.store.list({ status: "failed" });
      assert.ok(failed.every((j) => j.status === "failed"));
      const newest = await system.store.list({ limit: 2 });
      const older = await system.store.list({ limit: 2, before: newest[1]!.id });
      assert.ok(older.every((j) => j.createdAt <= newest[1]!.createdAt));
    });
  });
}
