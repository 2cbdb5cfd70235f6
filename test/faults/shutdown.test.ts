/**
 * Graceful shutdown: on SIGTERM a `bulwark worker` or a `bulwark serve` running jobs in
 * process does not wait for a long job to finish. After BULWARK_SHUTDOWN_GRACE_SECONDS it
 * stops the job and hands it back to the queue with its attempt given back, exits, and
 * the next process runs the job once to the end.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { openDatabase } from "../../src/db/open.js";
import { JobStore } from "../../src/jobs/store.js";
import { tempDir } from "../helpers/tmp.js";
import { call, testArtifact } from "../server/helpers.js";
import { seedHome, spawnServe } from "../server/process.js";
import { startWorker, until } from "./processes.js";
import { dropPrefix, redisAvailable, TEST_REDIS_URL, uniquePrefix } from "../server/redis-env.js";

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once("exit", (code) => r(code)));
}

describe("graceful shutdown hands running jobs back to the queue", async () => {
  const artifact = (await testArtifact()).artifact;

  test("bulwark serve (in-process queue): SIGTERM mid-job exits within the grace period; the job is queued again with its attempt given back", async () => {
    const home = tempDir("bulwark-faults-shutdown-");
    const env = {
      BULWARK_HOME: home,
      DATABASE_URL: "",
      REDIS_URL: "",
      BULWARK_AUDIT_SNAPSHOT_INTERVAL: "0",
      BULWARK_LOG_LEVEL: "warn",
      BULWARK_SHUTDOWN_GRACE_SECONDS: "1",
    };
    const [admin] = await seedHome(env, artifact, [{ name: "admin", role: "admin" }]);
    const one = await spawnServe(env);
    after(() => one.stop());
    const started = await call(one.url, "/v1/jobs/selftest", { key: admin!, json: { ms: 60_000 } });
    assert.equal(started.status, 202, started.text);
    const id = started.body.data.id as string;
    await until("the job runs", async () => {
      const r = await call(one.url, `/v1/jobs/${id}`, { key: admin! });
      return r.body.data.status === "running" ? true : undefined;
    });
    const t0 = Date.now();
    assert.equal(await one.stop(), 0);
    const tookMs = Date.now() - t0;
    assert.ok(tookMs < 8_000, `stopped in ${tookMs} ms`);
    const db = await openDatabase({ sqlitePath: join(home, "bulwark.db") }, { migrate: false });
    try {
      const job = await new JobStore(db.db).get(id);
      assert.equal(job.status, "queued", "handed back to the queue");
      assert.equal(job.attempts, 0, "the interrupted attempt is given back");
      assert.match(job.error ?? "", /INTERRUPTED/);
    } finally {
      await db.close();
    }
    console.log(`# serve: SIGTERM with a 60 s job running, exited in ${tookMs} ms (grace 1 s)`);
  });

  if (await redisAvailable()) {
    test("bulwark worker: SIGTERM mid-job moves it back to waiting; another worker runs it once", async () => {
      const prefix = uniquePrefix("faults-shutdown");
      after(() => dropPrefix(prefix));
      const home = tempDir("bulwark-faults-shutdown-worker-");
      const env = {
        BULWARK_HOME: home,
        DATABASE_URL: "",
        REDIS_URL: TEST_REDIS_URL,
        BULWARK_REDIS_PREFIX: prefix,
        BULWARK_JOB_LOCK_MS: "30000",
        BULWARK_AUDIT_SNAPSHOT_INTERVAL: "0",
        BULWARK_LOG_LEVEL: "warn",
        BULWARK_SHUTDOWN_GRACE_SECONDS: "1",
      };
      const [admin] = await seedHome(env, artifact, [{ name: "admin", role: "admin" }]);
      const server = await spawnServe(env);
      after(() => server.stop());
      const w1 = await startWorker(env);
      after(() => void (w1.exitCode === null && w1.kill("SIGKILL")));
      const started = await call(server.url, "/v1/jobs/selftest", { key: admin!, json: { ms: 6_000 } });
      assert.equal(started.status, 202, started.text);
      const id = started.body.data.id as string;
      const job = async () => (await call(server.url, `/v1/jobs/${id}`, { key: admin! })).body.data;
      await until("the job runs on the first worker", async () =>
        (await job()).status === "running" ? true : undefined,
      );
      const t0 = Date.now();
      w1.kill("SIGTERM");
      assert.equal(await exited(w1), 0);
      const tookMs = Date.now() - t0;
      // Far less than the 30 s lock: the job was not left for the stalled-job check.
      assert.ok(tookMs < 8_000, `stopped in ${tookMs} ms`);
      const back = await job();
      assert.equal(back.status, "queued");
      assert.equal(back.attempts, 0);
      const w2 = await startWorker(env);
      after(() => void (w2.exitCode === null && w2.kill("SIGKILL")));
      const done = await until(
        "the second worker finishes the job",
        async () => {
          const j = await job();
          return ["succeeded", "failed"].includes(j.status) ? j : undefined;
        },
        30_000,
      );
      assert.equal(done.status, "succeeded", done.error);
      assert.equal(done.attempts, 1, "one attempt counted: the interrupted one was given back");
      assert.match(done.worker ?? "", new RegExp(`:${w2.pid}$`));
      w2.kill("SIGTERM");
      await exited(w2);
      console.log(
        `# worker: SIGTERM with a 6 s job running, exited in ${tookMs} ms (grace 1 s); job finished on the next worker`,
      );
    });
  }
});
