/**
 * The BullMQ queue: the conformance suite on each database (producer and worker in this
 * process), and what only this queue does: `bulwark worker` processes that die mid-job
 * leave a stalled BullMQ job that another worker retries, or that is failed, not lost.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createLogger } from "../../src/core/logger.js";
import { openDatabase } from "../../src/db/open.js";
import { selftestJob } from "../../src/jobs/handlers/selftest.js";
import { createJobSystem, createJobWorker } from "../../src/jobs/index.js";
import { CLI } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { testDatabases } from "../db/databases.js";
import { dropPrefix, redisAvailable, TEST_REDIS_URL, uniquePrefix } from "../server/redis-env.js";
import { jobQueueConformance } from "./conformance.js";
import { finished, waitFor } from "./helpers.js";

interface Worker {
  child: ChildProcess;
  pid: number;
  stderr: () => string;
}

if (await redisAvailable()) {
  for (const database of await testDatabases()) {
    jobQueueConformance(`BullMQ queue with a worker on ${database.dialect}`, async (settings) => {
      const handle = await database.open();
      const prefix = uniquePrefix("jobs-conformance");
      const options = { ...settings, db: handle.db, redisUrl: TEST_REDIS_URL, redisPrefix: prefix };
      const system = createJobSystem(options);
      const { worker, reconciler } = createJobWorker(options);
      await system.queue.start();
      worker.start();
      await reconciler.start();
      return {
        queue: system.queue,
        store: system.store,
        recover: () => reconciler.reconcile(),
        cleanup: async () => {
          await worker.close();
          await reconciler.close();
          await system.queue.close();
          await dropPrefix(prefix);
        },
      };
    });
  }

  // Databases of their own: these workers' reconcilers would otherwise see the suite's jobs.
  for (const database of await testDatabases()) {
    describe(`BullMQ queue with bulwark worker processes on ${database.dialect}`, async () => {
      const prefix = uniquePrefix("jobs");
      const home = tempDir("bulwark-worker-");
      const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        BULWARK_HOME: home,
        REDIS_URL: TEST_REDIS_URL,
        BULWARK_REDIS_PREFIX: prefix,
        BULWARK_JOB_LOCK_MS: "1500",
        BULWARK_LOG_LEVEL: "warn",
        ...(database.settings.url
          ? { DATABASE_URL: database.settings.url }
          : { BULWARK_SQLITE_PATH: join(home, "bulwark.db") }),
      };
      if (!database.settings.url) delete env.DATABASE_URL;
      const handle = database.settings.url
        ? await database.open()
        : await openDatabase({ sqlitePath: env.BULWARK_SQLITE_PATH! });
      if (!database.settings.url) after(() => handle.close());
      const system = createJobSystem({
        db: handle.db,
        logger: createLogger({ level: "silent" }),
        types: new Map([["system.selftest", selftestJob]]),
        redisUrl: TEST_REDIS_URL,
        redisPrefix: prefix,
        concurrency: 1,
        maxAttempts: 2,
        lockDurationMs: 1500,
      });
      await system.queue.start();
      const workers: Worker[] = [];
      after(async () => {
        for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
        await system.queue.close();
        await dropPrefix(prefix);
      });

      function startWorker(): Promise<Worker> {
        const child = spawn(process.execPath, [CLI, "worker"], { env, stdio: ["ignore", "ignore", "pipe"] });
        let err = "";
        const w: Worker = { child, pid: child.pid!, stderr: () => err };
        workers.push(w);
        return new Promise((resolve, reject) => {
          child.stderr!.setEncoding("utf8").on("data", (d: string) => {
            err += d;
            if (err.includes("worker consuming jobs")) resolve(w);
          });
          child.on("exit", (code) => reject(new Error(`worker exited with ${code}: ${err}`)));
        });
      }

      const get = (id: string) => () => system.store.get(id);

      test("a job whose worker is killed mid-run is retried by another worker", async () => {
        const w1 = await startWorker();
        const job = await system.queue.enqueue("system.selftest", { ms: 4000 }, { createdBy: "test" });
        await waitFor(get(job.id), (j) => j.status === "running" && j.progress > 0);
        assert.match((await system.store.get(job.id)).worker ?? "", new RegExp(`:${w1.pid}$`));
        w1.child.kill("SIGKILL");
        const w2 = await startWorker();
        const done = await waitFor(get(job.id), finished, 30_000);
        assert.equal(done.status, "succeeded", `${done.error}\n${w2.stderr()}`);
        assert.equal(done.attempts, 2);
        assert.match(done.worker ?? "", new RegExp(`:${w2.pid}$`));
        w2.child.kill("SIGTERM");
        await new Promise((r) => w2.child.once("exit", r));
      });

      test("out of attempts, a job whose worker died is marked failed, not lost", async () => {
        const w1 = await startWorker();
        const job = await system.queue.enqueue(
          "system.selftest",
          { ms: 4000 },
          { createdBy: "test", maxAttempts: 1 },
        );
        await waitFor(get(job.id), (j) => j.status === "running" && j.progress > 0);
        w1.child.kill("SIGKILL");
        const w2 = await startWorker();
        const done = await waitFor(get(job.id), finished, 30_000);
        assert.equal(done.status, "failed");
        assert.match(done.error ?? "", /stopped|stalled/);
        const logs = await system.store.logs(job.id);
        assert.ok(
          logs.some((l) => l.level === "error"),
          `the job's log says why it failed:\n${logs.map((l) => l.message).join("\n")}`,
        );
        w2.child.kill("SIGTERM");
      });
    });
  }
}
