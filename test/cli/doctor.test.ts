/**
 * `bulwark doctor` against real homes, databases, Redis and the S3 server: a fresh home
 * is warned about and left untouched; a used home passes; an open home, a tampered
 * model, a database from a newer version, a bucket without Object Lock and unreachable
 * dependencies each fail (or warn) with the fix, and the exit code says so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { S3ObjectStore } from "../../src/storage/s3/store.js";
import { createPgDatabase } from "../db/databases.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { testArtifact } from "../server/helpers.js";
import { seedHome } from "../server/process.js";
import { redisAvailable, TEST_REDIS_URL } from "../server/redis-env.js";
import { findTestS3, lockedTestBucket } from "../storage/s3-env.js";

interface Check {
  name: string;
  status: "ok" | "warn" | "fail" | "skip";
  detail: string;
  fix?: string;
  ms: number;
}

const BASE = { DATABASE_URL: "", REDIS_URL: "", MINIO_ENDPOINT: "", OTEL_EXPORTER_OTLP_ENDPOINT: "" };

async function doctor(env: Record<string, string>): Promise<{ code: number; checks: Map<string, Check> }> {
  const r = await runCli(["doctor", "--json"], { env: { ...BASE, ...env } });
  assert.ok(r.code === 0 || r.code === 3, `doctor exited ${r.code}: ${r.stderr}`);
  const report = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
  assert.equal(report.ok, r.code === 0, "exit code and report agree");
  return { code: r.code, checks: new Map(report.checks.map((c) => [c.name, c])) };
}

function statuses(checks: Map<string, Check>): Record<string, string> {
  return Object.fromEntries([...checks].map(([name, c]) => [name, c.status]));
}

test("a fresh home: warnings that the first start fixes, exit 0, and nothing is created", async () => {
  const home = join(tempDir("bulwark-doctor-"), "home");
  const { code, checks } = await doctor({ BULWARK_HOME: home });
  assert.equal(code, 0);
  assert.deepEqual(statuses(checks), {
    node: "ok",
    config: "ok",
    home: "warn",
    database: "warn",
    store: "warn",
    redis: "skip",
    models: "skip",
    audit: "skip",
    clock: "skip",
    tracing: "skip",
  });
  assert.match(checks.get("database")!.fix!, /first `bulwark serve`/);
  assert.equal(existsSync(home), false, "doctor only reads");
});

test("a used home passes; an open home, a tampered model and a newer database fail with their fix", async () => {
  const home = join(tempDir("bulwark-doctor-"), "home");
  const env = { BULWARK_HOME: home };
  await seedHome(env, (await testArtifact()).artifact);

  const healthy = await doctor(env);
  assert.equal(healthy.code, 0, JSON.stringify([...healthy.checks.values()], null, 1));
  for (const name of ["node", "config", "home", "database", "store", "models", "audit"])
    assert.equal(healthy.checks.get(name)!.status, "ok", `${name}: ${healthy.checks.get(name)!.detail}`);
  assert.match(healthy.checks.get("models")!.detail, /builtin@1\.0\.0 \(production\): SHA-256 verified/);
  assert.match(healthy.checks.get("store")!.detail, /Object Lock on/);

  chmodSync(home, 0o755);
  const open = await doctor(env);
  assert.equal(open.code, 3);
  assert.equal(open.checks.get("home")!.status, "fail");
  assert.equal(open.checks.get("home")!.fix, `chmod 700 ${home}`);
  chmodSync(home, 0o700);

  // The production artifact cut short on disk, as someone with access to the folder could.
  const vdir = join(home, "objects", "bulwark", "models", "builtin", "1.0.0", "model.bwm", ".v");
  const file = join(
    vdir,
    readdirSync(vdir)
      .filter((f) => f.endsWith(".data"))
      .sort()
      .at(-1)!,
  );
  chmodSync(file, 0o644);
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, bytes.length - 10));
  const tampered = await doctor(env);
  assert.equal(tampered.code, 3);
  assert.equal(tampered.checks.get("models")!.status, "fail");
  assert.match(tampered.checks.get("models")!.detail, /builtin@1\.0\.0/);
  assert.match(tampered.checks.get("models")!.fix!, /roll back|restore/);
  writeFileSync(file, bytes);

  const { default: Database } = await import("better-sqlite3");
  const sqlite = new Database(join(home, "bulwark.db"));
  sqlite
    .prepare("insert into kysely_migration (name, timestamp) values (?, ?)")
    .run("999_from_the_future", new Date().toISOString());
  sqlite.close();
  const newer = await doctor(env);
  assert.equal(newer.code, 3);
  assert.equal(newer.checks.get("database")!.status, "fail");
  assert.match(newer.checks.get("database")!.detail, /newer Bulwark \(999_from_the_future\)/);
  assert.equal(newer.checks.get("models")!.status, "ok", "the rest is still checked");
});

const s3 = await findTestS3();
const redis = await redisAvailable();
if (!s3) {
  const message =
    "no S3 server reachable (start one with scripts/rgw/start.sh or set BULWARK_TEST_S3_ENDPOINT)";
  if (process.env.BULWARK_REQUIRE_SERVICES === "1")
    test("S3 server is required for the doctor on S3", () => assert.fail(message));
  else test("doctor on PostgreSQL, Redis and S3", { skip: message }, () => undefined);
}

if (s3 && redis) {
  test("PostgreSQL, Redis and S3: every check runs, clocks compared; dependencies down fail fast with the fix", async () => {
    const database = await createPgDatabase();
    const bucket = await lockedTestBucket(s3, "bw-doctor");
    await bucket.close();
    const env = {
      BULWARK_HOME: join(tempDir("bulwark-doctor-"), "home"),
      DATABASE_URL: database.url!,
      REDIS_URL: TEST_REDIS_URL,
      MINIO_ENDPOINT: s3.endpoint,
      MINIO_ACCESS_KEY: s3.accessKeyId,
      MINIO_SECRET_KEY: s3.secretAccessKey,
      MINIO_BUCKET: bucket.bucket,
    };
    await seedHome(env, (await testArtifact()).artifact);
    const healthy = await doctor(env);
    assert.equal(healthy.code, 0, JSON.stringify([...healthy.checks.values()], null, 1));
    assert.equal(healthy.checks.get("home")!.status, "skip", "PostgreSQL and S3 leave the home unused");
    assert.match(healthy.checks.get("database")!.detail, /^postgres at /);
    assert.match(healthy.checks.get("redis")!.detail, /^Redis \d/);
    assert.match(healthy.checks.get("clock")!.detail, /PostgreSQL .* Redis .* S3 /);

    const started = Date.now();
    const down = await doctor({
      ...env,
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/none",
      REDIS_URL: "redis://127.0.0.1:1",
    });
    assert.ok(Date.now() - started < 15_000, "an unreachable dependency is reported, not waited for");
    assert.equal(down.code, 3);
    assert.equal(down.checks.get("database")!.status, "fail");
    assert.match(down.checks.get("database")!.fix!, /DATABASE_URL/);
    assert.equal(down.checks.get("redis")!.status, "fail");
    assert.match(down.checks.get("redis")!.fix!, /REDIS_URL/);
    assert.equal(down.checks.get("models")!.status, "skip");
    assert.equal(down.checks.get("store")!.status, "ok");

    // A bucket made without Object Lock: reachable, but nothing can be locked in it.
    const plain = new S3ObjectStore({
      bucket: `bw-doctor-plain-${Date.now().toString(36)}`,
      endpoint: s3.endpoint,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
    });
    await plain.init();
    await plain.close();
    const unlocked = await doctor({ ...env, MINIO_BUCKET: plain.bucket });
    assert.equal(unlocked.checks.get("store")!.status, "warn");
    assert.match(unlocked.checks.get("store")!.detail, /Object Lock OFF/);
  });
}
