/**
 * Job limits (review finding 1, the rest of it): a job that runs longer than its limit is
 * failed with JOB_TIMEOUT and its slot freed; training, which is minutes of pure CPU, runs
 * in a thread of its own, so a server running jobs in-process keeps answering meanwhile,
 * and cancelling the job stops that thread. Against a real `bulwark serve` process.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { tempDir } from "../helpers/tmp.js";
import { call, testArtifact } from "../server/helpers.js";
import { seedHome, spawnServe, type ServeProcess } from "../server/process.js";

async function serve(extra: Record<string, string>): Promise<{ server: ServeProcess; admin: string }> {
  const env = {
    BULWARK_HOME: tempDir("bulwark-job-limits-"),
    DATABASE_URL: "",
    REDIS_URL: "",
    BULWARK_AUDIT_SNAPSHOT_INTERVAL: "0",
    BULWARK_LOG_LEVEL: "warn",
    BULWARK_JOB_ATTEMPTS: "1",
    ...extra,
  };
  const [admin] = await seedHome(env, (await testArtifact()).artifact, [{ name: "admin", role: "admin" }]);
  return { server: await spawnServe(env), admin: admin! };
}

async function job(server: ServeProcess, key: string, id: string) {
  return (await call(server.url, `/v1/jobs/${id}`, { key })).body.data;
}

async function waitJob(server: ServeProcess, key: string, id: string, seconds = 120) {
  for (let i = 0; i < seconds * 10; i++) {
    const j = await job(server, key, id);
    if (!["queued", "running"].includes(j.status)) return j;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

describe("a training job over its time limit", async () => {
  const { server, admin } = await serve({ BULWARK_JOB_TIMEOUT_TRAINING: "1" });
  after(() => server.stop());

  test("ends as failed with JOB_TIMEOUT, and the next job runs", async () => {
    const started = await call(server.url, "/v1/training", { key: admin, json: {} });
    assert.equal(started.status, 202, started.text);
    const t0 = Date.now();
    const done = await waitJob(server, admin, started.body.data.id, 60);
    assert.equal(done.status, "failed", JSON.stringify(done));
    assert.match(done.error, /^JOB_TIMEOUT: the job ran longer than its limit of 1 s/);
    assert.ok(Date.now() - t0 < 15_000, "stopped near its limit, not when training ended");
    const logs = await call(server.url, `/v1/jobs/${started.body.data.id}/logs`, { key: admin });
    assert.match(logs.text, /JOB_TIMEOUT/);

    // The slot is free (one job at a time): a self-test queued now runs and succeeds.
    const next = await call(server.url, "/v1/jobs/selftest", { key: admin, json: { ms: 10 } });
    assert.equal(next.status, 202, next.text);
    assert.equal((await waitJob(server, admin, next.body.data.id, 30)).status, "succeeded");
  });
});

describe("training in a server that runs its jobs in-process", async () => {
  const { server, admin } = await serve({});
  after(() => server.stop());

  test("/health keeps answering promptly while the model trains; cancelling stops it", async () => {
    const started = await call(server.url, "/v1/training", { key: admin, json: { params: { epochs: 6 } } });
    assert.equal(started.status, 202, started.text);
    const id = started.body.data.id as string;
    // Wait for the CPU-heavy part (features, epochs) to be under way.
    for (
      let i = 0;
      i < 600 && !/features|train/.test((await job(server, admin, id)).progressMessage ?? "");
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    const slowest: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      const h = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(5_000) });
      assert.equal(h.status, 200);
      slowest.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await job(server, admin, id)).status, "running", "the health checks ran during training");
    slowest.sort((a, b) => b - a);
    assert.ok(slowest[0]! < 500, `the slowest /health took ${Math.round(slowest[0]!)} ms during training`);

    const cancelled = await call(server.url, `/v1/jobs/${id}/cancel`, { key: admin, method: "POST" });
    assert.ok(cancelled.status < 300, cancelled.text);
    const done = await waitJob(server, admin, id, 10);
    assert.equal(done.status, "cancelled");
  });
});
