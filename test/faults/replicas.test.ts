/**
 * Two `bulwark serve` replicas and a `bulwark worker` on one PostgreSQL and one Redis of
 * the test's own and the Ceph RGW S3 server (a bucket with Object Lock of the test's own;
 * a folder both replicas share where no S3 server runs, unless services are required).
 * Under load through both, one replica and the worker are killed with SIGKILL in the
 * middle of a training job, a dataset import and a self-test job: the other replica keeps
 * answering, each job is retried by a new worker and finishes once (one model version,
 * one dataset version), rate limits stay shared, and the audit trail and the registry
 * verify afterwards.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { call, testArtifact } from "../server/helpers.js";
import { seedHome, spawnServe } from "../server/process.js";
import { uniquePrefix } from "../server/redis-env.js";
import { loadBundledCorpus } from "../../src/data/corpus.js";
import { findTestS3, lockedTestBucket } from "../storage/s3-env.js";
import { startLoad, tally } from "./load.js";
import { ownServersAvailable } from "./available.js";
import { startWorker, until } from "./processes.js";
import { ownPostgres, ownRedis } from "./services.js";

const s3 = await findTestS3();
if (!s3 && process.env.BULWARK_REQUIRE_SERVICES === "1")
  test("the replicas test needs the S3 server (BULWARK_REQUIRE_SERVICES=1)", () =>
    assert.fail("no S3 server reachable (scripts/rgw/start.sh)"));

if (ownServersAvailable()) {
  describe("two replicas and a worker survive SIGKILL", async () => {
    const bucket = s3 ? await lockedTestBucket(s3, "bw-replicas") : undefined;
    await bucket?.close();
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
      // Long enough that a worker busy with an import and a training thread on 2 shared cores
      // still renews its locks; short enough that a killed worker's jobs move on in seconds.
      BULWARK_JOB_LOCK_MS: "5000",
      BULWARK_AUDIT_SNAPSHOT_INTERVAL: "0",
      BULWARK_RATE_LIMIT_PER_KEY: "1000000",
      BULWARK_RATE_LIMIT_PER_IP: "1000000",
      BULWARK_LOG_LEVEL: "error",
      ...(s3 && bucket
        ? {
            MINIO_ENDPOINT: s3.endpoint,
            MINIO_ACCESS_KEY: s3.accessKeyId,
            MINIO_SECRET_KEY: s3.secretAccessKey,
            MINIO_BUCKET: bucket.bucket,
          }
        : {}),
    };
    const [client, admin] = await seedHome(env, (await testArtifact()).artifact, [
      { name: "client", role: "client" },
      { name: "admin", role: "admin" },
    ]);
    const a = await spawnServe(env);
    const b = await spawnServe(env);
    children.push(a.child, b.child);

    test("SIGKILL of a replica and of the worker mid training, mid import: the other replica serves on, each job finishes once", async () => {
      const w1 = await startWorker(env, ["--concurrency", "3"]);
      children.push(w1);
      const targets = [a.url, b.url];
      const load = startLoad(() => targets, "/v1/detect", { key: client!, json: { text: "hello there" } });
      // An import big enough to be killed half way: the bundled corpus six times over.
      const corpus = await loadBundledCorpus();
      const rows = [0, 1, 2, 3, 4, 5].flatMap((copy) =>
        corpus.map((r) => ({ ...r, text: `${r.text} (${copy})` })),
      );
      const upload = await call(b.url, "/v1/datasets/uploads/big.jsonl", {
        method: "PUT",
        key: admin!,
        body: rows.map((r) => JSON.stringify(r)).join("\n") + "\n",
        headers: { "content-type": "application/x-ndjson" },
      });
      assert.equal(upload.status, 201, upload.text);
      const enqueue = async (path: string, json: unknown) => {
        const r = await call(b.url, path, { key: admin!, json });
        assert.equal(r.status, 202, r.text);
        return r.body.data.id as string;
      };
      const job = async (id: string) => (await call(b.url, `/v1/jobs/${id}`, { key: admin! })).body.data;
      let seen = "";
      const allRunning = (what: string, ids: string[]) =>
        until(what, async () => {
          const jobs = await Promise.all(ids.map(job));
          seen = jobs.map((j) => `${j.type} ${j.status} ${j.progress}`).join(", ");
          return jobs.every((j) => j.status === "running" && j.progress > 0) ? true : undefined;
        }).catch((err: Error) => {
          throw new Error(`${err.message}; last seen: ${seen}`);
        });
      // Training takes a few seconds to read its data: the import and the self-test are
      // queued once it is under way, so that all three are half done at the kill.
      const training = await enqueue("/v1/training", {
        datasets: ["bundled"],
        params: { epochs: 3 },
        stage: "staging",
      });
      await allRunning("the training job runs", [training]);
      const ids = {
        training,
        import: await enqueue("/v1/datasets/import", { sources: [upload.body.data.source], name: "big" }),
        selftest: await enqueue("/v1/jobs/selftest", { ms: 8_000 }),
      };
      await allRunning("the three jobs run at once", Object.values(ids));
      const killedAt = Date.now();
      a.child.kill("SIGKILL");
      w1.kill("SIGKILL");
      // Only the survivor from now on.
      targets.splice(0, 1);
      const w2 = await startWorker(env, ["--concurrency", "3"]);
      children.push(w2);
      const finished = async (id: string) =>
        until(
          "the job finishes",
          async () => {
            const j = await job(id);
            return ["succeeded", "failed", "cancelled"].includes(j.status) ? j : undefined;
          },
          120_000,
        );
      const done = {
        training: await finished(ids.training),
        import: await finished(ids.import),
        selftest: await finished(ids.selftest),
      };
      const outcomes = await load.stop();
      for (const [what, j] of Object.entries(done)) {
        assert.equal(j.status, "succeeded", `${what}: ${j.error}`);
        assert.equal(j.attempts, 2, `${what}: retried once after the killed worker`);
        assert.match(j.worker ?? "", new RegExp(`:${w2.pid}$`), what);
      }
      // Finished once: one model version trained, one dataset version imported.
      const models = (await call(b.url, "/v1/models", { key: admin! })).body.data as { ref: string }[];
      assert.deepEqual(
        models.map((m) => m.ref).sort(),
        ["builtin@1.0.0", done.training.result.model].sort(),
        "the killed attempt left no second version",
      );
      const datasets = (await call(b.url, "/v1/datasets", { key: admin! })).body.data as {
        name: string;
        version: number | null;
        rows: number;
      }[];
      const big = datasets.filter((d) => d.name === "big");
      assert.deepEqual(
        big.map((d) => d.version),
        [1],
        "the killed attempt left no second dataset version",
      );
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
      const verified = await runCli(["models", "verify", "--all"], { env });
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
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
