/**
 * The in-process queue: the conformance suite on each database, and what only this queue
 * does: a server that starts picks up the jobs its previous run left behind.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../../src/core/logger.js";
import { selftestJob } from "../../src/jobs/handlers/selftest.js";
import { createJobSystem } from "../../src/jobs/index.js";
import type { InProcessQueue } from "../../src/jobs/inprocess.js";
import { testDatabases } from "../db/databases.js";
import { jobQueueConformance } from "./conformance.js";
import { finished, waitFor } from "./helpers.js";

for (const database of await testDatabases()) {
  jobQueueConformance(`in-process queue on ${database.dialect}`, async (settings) => {
    const handle = await database.open();
    const system = createJobSystem({
      ...settings,
      db: handle.db,
      redisUrl: undefined,
      redisPrefix: "unused",
    });
    const queue = system.queue as InProcessQueue;
    await queue.start();
    return {
      queue,
      store: system.store,
      recover: () => queue.recover(),
      cleanup: async () => {
        await queue.whenIdle();
        await queue.close();
      },
    };
  });

  describe(`in-process queue on ${database.dialect}: starting`, () => {
    test("a queue that starts runs the jobs a stopped process left queued or running", async () => {
      const handle = await database.open();
      const system = createJobSystem({
        db: handle.db,
        logger: createLogger({ level: "silent" }),
        types: new Map([["system.selftest", selftestJob]]),
        redisUrl: undefined,
        redisPrefix: "unused",
        concurrency: 1,
        maxAttempts: 2,
        lockDurationMs: 3000,
      });
      const { store } = system;
      const leftBehind = (maxAttempts: number) =>
        store.create({
          type: "system.selftest",
          payload: { ms: 10, failTimes: 0 },
          createdBy: "test",
          maxAttempts,
          backend: "inprocess",
        });
      const queued = await leftBehind(2);
      const running = await leftBehind(2);
      const stale = new Date(Date.now() - 60_000).toISOString();
      await handle.db
        .updateTable("jobs")
        .set({
          status: "running",
          attempts: 1,
          heartbeat_at: stale,
          started_at: stale,
          worker: "deadhost:4242",
        })
        .where("id", "=", running.id)
        .execute();

      const queue = system.queue as InProcessQueue;
      await queue.start();
      try {
        const a = await waitFor(() => store.get(queued.id), finished);
        assert.equal(a.status, "succeeded", a.error ?? "");
        assert.equal(a.attempts, 1);
        const b = await waitFor(() => store.get(running.id), finished);
        assert.equal(b.status, "succeeded", b.error ?? "");
        assert.equal(b.attempts, 2);
        const logs = (await store.logs(running.id)).map((l) => l.message);
        assert.ok(
          logs.includes("the process running it (deadhost:4242) stopped before it finished; retrying"),
          logs.join("\n"),
        );
      } finally {
        await queue.whenIdle();
        await queue.close();
      }
    });
  });
}
