/**
 * The JobQueue conformance suite: written once, run against every queue (in-process and
 * BullMQ with a worker) on every database. It asserts what a user sees through the job
 * store (status, result, error, progress, log lines, attempts), never how a queue gets
 * there. Job types are built here, next to the real `system.selftest`; the handlers report
 * what they saw (runs, an aborted signal) so a test can tell "never ran" from "ran".
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Type } from "@sinclair/typebox";
import { ValidationError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import { parseWith } from "../../src/core/schema.js";
import { selftestJob } from "../../src/jobs/handlers/selftest.js";
import type { JobSystemOptions } from "../../src/jobs/index.js";
import { JobStore, WORKER_ID } from "../../src/jobs/store.js";
import type { Job, JobLogLine, JobQueue, JobType } from "../../src/jobs/types.js";
import { finished, waitFor } from "./helpers.js";

/** What the suite decides; the factory adds the database and the backend's own settings. */
export type SuiteSettings = Pick<
  JobSystemOptions,
  "types" | "logger" | "concurrency" | "maxAttempts" | "lockDurationMs"
>;

export interface QueueUnderTest {
  /** The producer side, started. */
  queue: JobQueue;
  store: JobStore;
  /**
   * Looks for jobs of processes that died now, as the backend does on its own timer (the
   * in-process queue's recovery; for BullMQ, a worker's reconciler).
   */
  recover(): Promise<void>;
  /** Called when the suite ends, once every job it enqueued has finished. */
  cleanup(): Promise<void>;
}

/** One job at a time (so a held job keeps the next ones queued), two attempts by default. */
const SETTINGS: Omit<SuiteSettings, "types"> = {
  logger: createLogger({ level: "silent" }),
  concurrency: 1,
  maxAttempts: 2,
  lockDurationMs: 3000,
};

/** What the handlers below saw, by job id. Ids are unique, so suites can share these. */
const runs = new Map<string, number>();
const aborted = new Set<string>();
const released = new Set<string>();
const waiters = new Map<string, () => void>();

function ran(id: string): void {
  runs.set(id, (runs.get(id) ?? 0) + 1);
}

/** Lets a `test.hold` job finish (now if it is waiting, at once if it has not started yet). */
function release(id: string): void {
  released.add(id);
  waiters.get(id)?.();
}

const HoldPayload = Type.Object({ label: Type.String({ minLength: 1 }) }, { additionalProperties: false });

/** Logs, reports progress, then waits until the test releases it or its signal aborts. */
const holdJob: JobType = {
  validate: (payload) => ({ label: parseWith(HoldPayload, payload).label.trim() }),
  async run(ctx) {
    const id = ctx.job.id;
    ran(id);
    const { label } = ctx.payload as { label: string };
    ctx.log(`holding ${label}`);
    ctx.progress(0.25, `holding ${label}`);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        aborted.add(id);
        reject(new Error("stopped: the signal aborted"));
      };
      if (ctx.signal.aborted) return onAbort();
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      waiters.set(id, () => {
        ctx.signal.removeEventListener("abort", onAbort);
        resolve();
      });
      if (released.has(id)) release(id);
    });
    return { held: label };
  },
};

/** Fails every attempt, naming it. */
const failJob: JobType = {
  validate: (payload) => parseWith(Type.Object({}, { additionalProperties: false }), payload ?? {}),
  async run(ctx) {
    ran(ctx.job.id);
    throw new Error(`broken on attempt ${ctx.job.attempts}`);
  },
};

const TYPES: ReadonlyMap<string, JobType> = new Map([
  ["system.selftest", selftestJob],
  ["test.hold", holdJob],
  ["test.fail", failJob],
]);

/** Asserts the promise fails with a ValidationError (code VALIDATION_ERROR). */
async function refused(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`);
    assert.equal(err.code, "VALIDATION_ERROR");
    assert.match(err.message, message);
    return true;
  });
}

/** The job's log once it has at least `n` lines (they are written in the background). */
async function logsOnceThere(store: JobStore, id: string, n: number): Promise<JobLogLine[]> {
  const until = Date.now() + 20_000;
  for (;;) {
    const logs = await store.logs(id);
    if (logs.length >= n || Date.now() > until) return logs;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function jobQueueConformance(
  name: string,
  factory: (settings: SuiteSettings) => Promise<QueueUnderTest>,
): void {
  describe(`JobQueue conformance: ${name}`, () => {
    let s: QueueUnderTest;
    let queue: JobQueue;
    let store: JobStore;
    const get = (id: string) => () => store.get(id);
    const as = { createdBy: "conformance" };

    before(async () => {
      s = await factory({ ...SETTINGS, types: TYPES });
      queue = s.queue;
      store = s.store;
    });
    after(async () => {
      for (const id of waiters.keys()) release(id);
      await s?.cleanup();
    });

    test("system.selftest runs to succeeded with its result and progress 1", async () => {
      const job = await queue.enqueue("system.selftest", { ms: 50 }, as);
      assert.equal(job.status, "queued");
      assert.equal(job.backend, queue.kind);
      assert.equal(job.attempts, 0);
      assert.equal(job.maxAttempts, 2, "the system's default");
      assert.deepEqual(job.payload, { ms: 50, failTimes: 0 }, "stored as validate normalised it");
      const done = await waitFor(get(job.id), finished);
      assert.equal(done.status, "succeeded", done.error ?? "");
      assert.deepEqual(done.result, { waitedMs: 50, attempt: 1, worker: WORKER_ID });
      assert.equal(done.progress, 1);
      assert.equal(done.attempts, 1);
      assert.equal(done.error, null);
      assert.equal(done.worker, WORKER_ID);
      assert.ok(done.startedAt && done.finishedAt && done.startedAt <= done.finishedAt);
      const logs = await store.logs(job.id);
      assert.equal(logs[0]!.message, `attempt 1 of 2 started on ${WORKER_ID}`);
      assert.equal(logs.at(-1)!.message, "finished");
      assert.deepEqual(
        logs.map((l) => l.seq),
        logs.map((_, i) => i + 1),
      );
    });

    test("progress and log lines are recorded while the job runs", async () => {
      const job = await queue.enqueue("test.hold", { label: " watched " }, as);
      const running = await waitFor(get(job.id), (j) => j.status === "running" && j.progress > 0);
      assert.equal(running.progress, 0.25);
      assert.equal(running.progressMessage, "holding watched");
      assert.ok(running.heartbeatAt);
      // Log lines and progress are written apart: wait for the handler's line too.
      const midway = await logsOnceThere(store, job.id, 2);
      assert.deepEqual(
        midway.map((l) => [l.level, l.message]),
        [
          ["info", `attempt 1 of 2 started on ${WORKER_ID}`],
          ["info", "holding watched"],
        ],
      );
      assert.deepEqual(
        (await store.logs(job.id, 1)).map((l) => l.seq),
        [2],
        "reading on after a line",
      );
      release(job.id);
      const done = await waitFor(get(job.id), finished);
      assert.equal(done.status, "succeeded", done.error ?? "");
      assert.deepEqual(done.result, { held: "watched" });
      assert.equal(done.progress, 1);
      assert.equal(done.progressMessage, "holding watched", "the last message stays");
      assert.deepEqual(
        (await store.logs(job.id)).map((l) => l.message),
        [`attempt 1 of 2 started on ${WORKER_ID}`, "holding watched", "finished"],
      );
      assert.equal(runs.get(job.id), 1);
    });

    test("a bad payload is refused at enqueue with a ValidationError, and nothing is stored", async () => {
      const before = await store.countByStatus();
      await refused(
        queue.enqueue("system.selftest", { ms: -1 }, as),
        /payload\.ms: must be a whole number >= 0/,
      );
      await refused(queue.enqueue("system.selftest", { extra: 1 }, as), /payload/);
      await refused(queue.enqueue("test.hold", {}, as), /payload/);
      await refused(queue.enqueue("test.hold", { label: 5 }, as), /payload\.label/);
      await refused(queue.enqueue("test.fail", "not an object", as), /payload/);
      assert.deepEqual(await store.countByStatus(), before);
      assert.deepEqual(await store.list({ type: "test.fail" }), []);
    });

    test("an unknown job type is refused, and nothing is stored", async () => {
      const before = await store.countByStatus();
      await refused(queue.enqueue("no.such.type", {}, as), /unknown job type "no\.such\.type"/);
      assert.deepEqual(await store.countByStatus(), before);
      assert.deepEqual(await store.list({ type: "no.such.type" }), []);
    });

    test("a queued job that is cancelled ends cancelled and its handler never runs", async () => {
      const first = await queue.enqueue("test.hold", { label: "first" }, as);
      await waitFor(get(first.id), (j) => j.status === "running");
      const victim = await queue.enqueue("test.hold", { label: "victim" }, as);
      const last = await queue.enqueue("test.hold", { label: "last" }, as);
      release(victim.id);
      release(last.id);
      const cancelled = await queue.cancel(victim.id);
      assert.equal(cancelled.status, "cancelled");
      assert.equal(cancelled.cancelRequested, true);
      assert.ok(cancelled.finishedAt);
      release(first.id);
      // One job at a time, first in first out: once `last` is done, `victim` had its turn.
      assert.equal((await waitFor(get(last.id), finished)).status, "succeeded");
      assert.equal((await waitFor(get(first.id), finished)).status, "succeeded");
      const after = await store.get(victim.id);
      assert.equal(after.status, "cancelled");
      assert.equal(after.attempts, 0);
      assert.equal(after.startedAt, null);
      assert.equal(runs.get(victim.id), undefined, "the handler never ran");
      assert.deepEqual(await store.logs(victim.id), []);
    });

    test("a running job that is cancelled sees its signal abort and ends cancelled", async () => {
      const job = await queue.enqueue("test.hold", { label: "doomed" }, as);
      await waitFor(get(job.id), (j) => j.status === "running" && j.progress > 0);
      const asked = await queue.cancel(job.id);
      assert.equal(asked.cancelRequested, true);
      const done = await waitFor(get(job.id), finished);
      assert.equal(done.status, "cancelled");
      assert.equal(done.error, "cancelled on request");
      assert.equal(done.result, null);
      assert.ok(aborted.has(job.id), "the handler's signal aborted");
      assert.equal(runs.get(job.id), 1, "not retried");
      const last = (await store.logs(job.id)).at(-1)!;
      assert.deepEqual([last.level, last.message], ["warn", "cancelled"]);
    });

    test("cancelling a finished job changes nothing; an unknown id is not found", async () => {
      const job = await queue.enqueue("system.selftest", { ms: 0 }, as);
      const done = await waitFor(get(job.id), finished);
      assert.equal(done.status, "succeeded");
      const again = await queue.cancel(job.id);
      assert.equal(again.status, "succeeded");
      assert.deepEqual(await store.get(job.id), done);
      await assert.rejects(queue.cancel("job_does_not_exist"), { code: "NOT_FOUND" });
    });

    test("a failing job is retried up to its maxAttempts, then failed with its error", async () => {
      const job = await queue.enqueue("test.fail", {}, { ...as, maxAttempts: 3 });
      assert.equal(job.maxAttempts, 3);
      const done = await waitFor(get(job.id), finished);
      assert.equal(done.status, "failed");
      assert.equal(done.attempts, 3);
      assert.equal(done.error, "broken on attempt 3");
      assert.equal(runs.get(job.id), 3, "the handler ran once per attempt");
      const errors = (await store.logs(job.id)).filter((l) => l.level === "error").map((l) => l.message);
      assert.deepEqual(errors, [
        "attempt 1 failed: broken on attempt 1",
        "attempt 2 failed: broken on attempt 2",
        "attempt 3 failed: broken on attempt 3",
      ]);
    });

    test("a failed attempt with attempts left is retried and can succeed", async () => {
      const job = await queue.enqueue("system.selftest", { ms: 10, failTimes: 1 }, as);
      const done = await waitFor(get(job.id), finished);
      assert.equal(done.status, "succeeded", done.error ?? "");
      assert.equal(done.attempts, 2);
      assert.equal(done.error, null);
      assert.deepEqual(done.result, { waitedMs: 10, attempt: 2, worker: WORKER_ID });
      const messages = (await store.logs(job.id)).map((l) => l.message);
      assert.ok(messages.includes("attempt 1 failed: failing attempt 1 on purpose"), messages.join("\n"));
      assert.ok(messages.includes(`attempt 2 of 2 started on ${WORKER_ID}`), messages.join("\n"));
    });

    test("a job left running by a process that died is retried, or failed when out of attempts", async () => {
      // What a dead process leaves: the row says running, its heartbeat went silent a
      // minute ago, and nothing in this process (or in Redis) is working on it.
      const orphan = async (maxAttempts: number): Promise<Job> => {
        const stale = new Date(Date.now() - 60_000).toISOString();
        return store.db.transaction().execute(async (tx) => {
          const job = await new JobStore(tx).create({
            type: "test.hold",
            payload: { label: "orphan" },
            createdBy: "conformance",
            maxAttempts,
            backend: queue.kind,
          });
          await tx
            .updateTable("jobs")
            .set({
              status: "running",
              attempts: 1,
              heartbeat_at: stale,
              started_at: stale,
              worker: "deadhost:4242",
            })
            .where("id", "=", job.id)
            .execute();
          return job;
        });
      };
      const retried = await orphan(2);
      const spent = await orphan(1);
      release(retried.id);
      release(spent.id);
      await s.recover();

      const ok = await waitFor(get(retried.id), finished);
      assert.equal(ok.status, "succeeded", ok.error ?? "");
      assert.equal(ok.attempts, 2);
      assert.equal(ok.worker, WORKER_ID);
      assert.deepEqual(ok.result, { held: "orphan" });
      const retriedLogs = await store.logs(retried.id);
      assert.ok(
        retriedLogs.some((l) => l.level === "warn"),
        `a warning says why it ran again:\n${retriedLogs.map((l) => l.message).join("\n")}`,
      );

      const failed = await waitFor(get(spent.id), finished);
      assert.equal(failed.status, "failed");
      assert.equal(failed.attempts, 1);
      assert.match(failed.error ?? "", /attempt/);
      assert.equal(runs.get(spent.id), undefined, "out of attempts, it is not run again");
      const spentLogs = await store.logs(spent.id);
      assert.ok(
        spentLogs.some((l) => l.level === "error"),
        `the job's log says why it failed:\n${spentLogs.map((l) => l.message).join("\n")}`,
      );
    });

    test("the store lists jobs newest first, by status and type, and counts them by status", async () => {
      const before = await store.countByStatus();
      const failing = await queue.enqueue("test.fail", {}, { ...as, maxAttempts: 1 });
      const passing = await queue.enqueue("system.selftest", { ms: 0 }, as);
      assert.equal((await waitFor(get(failing.id), finished)).status, "failed");
      assert.equal((await waitFor(get(passing.id), finished)).status, "succeeded");
      const counts = await store.countByStatus();
      assert.deepEqual(counts, { ...before, failed: before.failed + 1, succeeded: before.succeeded + 1 });
      assert.deepEqual(
        (await store.list({ limit: 2 })).map((j) => j.id),
        [passing.id, failing.id],
      );
      const failedJobs = await store.list({ status: "failed" });
      assert.ok(failedJobs.some((j) => j.id === failing.id));
      assert.ok(failedJobs.every((j) => j.status === "failed"));
      const selftests = await store.list({ type: "system.selftest" });
      assert.ok(selftests.some((j) => j.id === passing.id));
      assert.ok(selftests.every((j) => j.type === "system.selftest"));
      const older = await store.list({ before: passing.id });
      assert.ok(!older.some((j) => j.id === passing.id));
      assert.ok(older.every((j) => j.createdAt < passing.createdAt));
    });
  });
}
