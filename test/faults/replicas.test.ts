/**
 * Two `bulwark serve` replicas and a `bulwark worker` on one PostgreSQL and one Redis of
 * the test's own (the object store is a folder both replicas share). Under load through
 * both, one replica and the worker are killed with SIGKILL in the middle of a job: the
 * other replica keeps answering, the job is retried by a new worker and finishes once,
 * rate limits stay shared, and the audit trail and the registry verify afterwards.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { CLI, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { call, testArtifact } from "../server/helpers.js";
import { seedHome, spawnServe } from "../server/process.js";
import { uniquePrefix } from "../server/redis-env.js";
import { startLoad, tally } from "./load.js";
import { ownServersAvailable } from "./available.js";
import { ownPostgres, ownRedis } from "./services.js";

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, "worker"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      if (err.includes("worker consuming jobs")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}: ${err}`)));
  });
}

if (ownServersAvailable()) {
  describe("two replicas and a worker survive SIGKILL", async () => {
    const pg = await ownPostgres();
    const redis = await ownRedis();
    const children: ChildProcess[] = [];
    after(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await pg.destroy();
      await redis.destroy();
    });
    const env: Record<string, string> = {
      BULWARK_HOME: tempDir("bulwark-faults-replicas-"),
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      BULWARK_REDIS_PREFIX: uniquePrefix("replicas"),
      BULWARK_JOB_LOCK_MS: "1500",
      BULWARK_AUDIT_SNAPSHOT_INTERVAL: "0",
      BULWARK_RATE_LIMIT_PER_KEY: "1000000",
      BULWARK_LOG_LEVEL: "error",
    };
    const [client, admin] = await seedHome(env, (await testArtifact()).artifact, [
      { name: "client", role: "client" },
      { name: "admin", role: "admin" },
    ]);
    const a = await spawnServe(env);
    const b = await spawnServe(env);
    children.push(a.child, b.child);

    test("SIGKILL of a replica and of the worker mid-job: the other replica serves on, the job finishes once", async () => {
      const w1 = await startWorker(env);
      children.push(w1);
      const targets = [a.url, b.url];
      const load = startLoad(() => targets, "/v1/detect", { key: client!, json: { text: "hello there" } });
      const started = await call(b.url, "/v1/jobs/selftest", { key: admin!, json: { ms: 4_000 } });
      assert.equal(started.status, 202, started.text);
      const id = started.body.data.id as string;
      const job = async () => (await call(b.url, `/v1/jobs/${id}`, { key: admin! })).body.data;
      await until("the job runs", async () => {
        const j = await job();
        return j.status === "running" && j.progress > 0 ? true : undefined;
      });
      const killedAt = Date.now();
      a.child.kill("SIGKILL");
      w1.kill("SIGKILL");
      // Only the survivor from now on.
      targets.splice(0, 1);
      const w2 = await startWorker(env);
      children.push(w2);
      const done = await until("the job finishes", async () => {
        const j = await job();
        return ["succeeded", "failed", "cancelled"].includes(j.status) ? j : undefined;
      });
      const outcomes = await load.stop();
      assert.equal(done.status, "succeeded", done.error);
      assert.equal(done.attempts, 2, "retried once after the killed worker");
      assert.match(done.worker ?? "", new RegExp(`:${w2.pid}$`));
      const onB = outcomes.filter((o) => o.target === b.url);
      const failedOnB = onB.filter((o) => o.status !== 200);
      assert.deepEqual(failedOnB, [], `the surviving replica failed requests: ${JSON.stringify(tally(onB))}`);
      const onAAfter = outcomes.filter((o) => o.target === a.url && o.startedAt > killedAt + 50);
      assert.ok(
        onAAfter.every((o) => o.status === 0),
        "only requests to the killed replica failed",
      );
      console.log(
        `# replicas: survivor ${JSON.stringify(tally(onB))}; killed replica ${JSON.stringify(tally(outcomes.filter((o) => o.target === a.url)))}`,
      );
      // The audit trail, once with the job and the killed processes behind it, still verifies.
      const audit = await runCli(["audit", "verify"], { env });
      assert.equal(audit.code, 0, audit.stdout + audit.stderr);
      const models = await runCli(["models", "verify", "--all"], { env });
      assert.equal(models.code, 0, models.stdout + models.stderr);
    });

    test("a key's budget is spent across both replicas", async () => {
      const env2 = { ...env, BULWARK_RATE_LIMIT_PER_KEY: "10" };
      const [key] = await seedHome(env2, (await testArtifact()).artifact, [
        { name: "budget", role: "client" },
      ]);
      const c = await spawnServe(env2);
      const d = await spawnServe(env2);
      children.push(c.child, d.child);
      const seen: number[] = [];
      for (let i = 0; i < 14; i++) {
        const r = await call(i % 2 ? c.url : d.url, "/v1/detect", { key: key!, json: { text: "hi" } });
        seen.push(r.status);
      }
      assert.equal(seen.filter((s) => s === 200).length, 10, seen.join(","));
      assert.deepEqual(seen.slice(10), [429, 429, 429, 429]);
    });
  });
}
