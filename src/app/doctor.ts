/**
 * `bulwark doctor`: checks the configuration and every dependency a deployment needs
 * (database and its migrations, object store and its Object Lock, Redis, the models in
 * service, the audit trail, file permissions, clocks) and says, for each problem, how to
 * fix it. It only reads: no migration runs, no bucket is made, nothing is written, so it
 * is safe to run against production while it serves. Each check has its own time limit,
 * so a dependency that hangs is reported instead of hanging the doctor.
 */
import { accessSync, constants, existsSync, statSync, statfsSync } from "node:fs";
import { sql } from "kysely";
import { HashChainAuditLog } from "../audit/chain.js";
import { loadConfig, type BulwarkConfig } from "../core/config.js";
import { describeError } from "../core/errors.js";
import { maskUrlPassword } from "../core/redact.js";
import { createMigrator, openDatabase, type DatabaseHandle } from "../db/open.js";
import { ModelRegistry } from "../registry/registry.js";
import { NoSuchBucketError } from "../storage/errors.js";
import { createObjectStore } from "../storage/index.js";
import type { ObjectStore } from "../storage/types.js";
import { loadServiceSettings } from "./settings.js";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** What was found, in one line. */
  detail: string;
  /** What to do about it (warn and fail only). */
  fix?: string;
  ms: number;
}

export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

type Env = Record<string, string | undefined>;

/** Clocks further apart than this make tokens and retention dates disagree between machines. */
const CLOCK_WARN_MS = 2_000;
const CLOCK_FAIL_MS = 30_000;
const LOW_DISK_BYTES = 1024 ** 3;
const CHECK_TIMEOUT_MS = 10_000;

class Finding extends Error {
  constructor(
    readonly status: "warn" | "fail" | "skip",
    detail: string,
    readonly fix?: string,
  ) {
    super(detail);
  }
}

const warn = (detail: string, fix: string) => new Finding("warn", detail, fix);
const fail = (detail: string, fix: string) => new Finding("fail", detail, fix);
const skip = (detail: string) => new Finding("skip", detail);

/** Runs `fn` under a time limit; its return value is the "ok" detail, a thrown Finding the rest. */
async function check(name: string, fn: () => Promise<string>, fixOnError: string): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(fail(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`, fixOnError)),
      CHECK_TIMEOUT_MS,
    );
    timer.unref();
  });
  const ms = () => Math.round(performance.now() - started);
  try {
    const detail = await Promise.race([fn(), timeout]);
    return { name, status: "ok", detail, ms: ms() };
  } catch (err) {
    if (err instanceof Finding)
      return {
        name,
        status: err.status,
        detail: err.message,
        ...(err.fix ? { fix: err.fix } : {}),
        ms: ms(),
      };
    return { name, status: "fail", detail: describeError(err), fix: fixOnError, ms: ms() };
  } finally {
    clearTimeout(timer);
  }
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function octal(m: number): string {
  return m.toString(8).padStart(4, "0");
}

/** Milliseconds by which `remote` is ahead of this machine, corrected for half the round trip. */
function skew(remoteMs: number, sentAt: number, receivedAt: number): number {
  return remoteMs - (sentAt + receivedAt) / 2;
}

function judgeSkew(source: string, offsetMs: number, resolutionMs = 0): string {
  const off = Math.abs(offsetMs) - resolutionMs;
  const said = `${source} ${offsetMs >= 0 ? "ahead by" : "behind by"} ${Math.abs(offsetMs / 1000).toFixed(2)} s`;
  const fix =
    "synchronise the clocks with NTP (timedatectl set-ntp true, or chrony): token expiry, " +
    "rate-limit windows and Object Lock retention dates compare times across machines";
  if (off > CLOCK_FAIL_MS) throw fail(said, fix);
  if (off > CLOCK_WARN_MS) throw warn(said, fix);
  return said;
}

export async function runDoctor(env: Env = process.env): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  const add = (r: CheckResult) => checks.push(r);

  add(
    await check(
      "node",
      async () => {
        const major = Number(process.versions.node.split(".")[0]);
        if (major < 20)
          throw fail(`Node.js ${process.versions.node}`, "install Node.js 20 or later (the engines field)");
        return `Node.js ${process.versions.node}`;
      },
      "install Node.js 20 or later",
    ),
  );

  let config: BulwarkConfig | undefined;
  add(
    await check(
      "config",
      async () => {
        config = loadConfig(env);
        loadServiceSettings(env);
        const c = config;
        const parts = [
          c.database.url ? "PostgreSQL" : "SQLite",
          c.storage.backend === "s3" ? `S3 ${c.storage.s3.endpoint ?? "(AWS)"}` : "local store",
          c.redis.url ? "Redis jobs and limits" : "in-process jobs",
          c.configFile ? `file ${c.configFile}` : "no config file",
        ];
        const loopback = /^(127\.|::1$|localhost$)/.test(c.server.host);
        if (!loopback && !c.server.tlsCert)
          throw warn(
            `${parts.join(", ")}; serving on ${c.server.host} without TLS`,
            "terminate TLS in a proxy in front of Bulwark, or set BULWARK_TLS_CERT and BULWARK_TLS_KEY",
          );
        return parts.join(", ");
      },
      "correct the variable or config-file field the message names (`bulwark config` prints the effective configuration)",
    ),
  );
  if (!config) return { ok: false, checks };
  const cfg = config;

  add(
    await check(
      "home",
      async () => {
        const used = !cfg.database.url || cfg.storage.backend === "fs";
        if (!existsSync(cfg.home)) {
          if (!used) throw skip(`${cfg.home} is not used (PostgreSQL and S3)`);
          throw warn(
            `${cfg.home} does not exist yet`,
            "it is created private (0700) by the first `bulwark serve`",
          );
        }
        accessSync(cfg.home, constants.R_OK | constants.W_OK);
        const m = mode(cfg.home);
        if (m & 0o077)
          throw fail(
            `${cfg.home} is open to other users (mode ${octal(m)}); it holds the token signing key`,
            `chmod 700 ${cfg.home}`,
          );
        if (!cfg.database.url && existsSync(cfg.database.sqlitePath) && mode(cfg.database.sqlitePath) & 0o077)
          throw fail(
            `${cfg.database.sqlitePath} is readable by other users (mode ${octal(mode(cfg.database.sqlitePath))})`,
            `chmod 600 ${cfg.database.sqlitePath}`,
          );
        const fs = statfsSync(cfg.home);
        const free = fs.bavail * fs.bsize;
        const gib = (free / 1024 ** 3).toFixed(1);
        if (free < LOW_DISK_BYTES)
          throw warn(
            `${cfg.home}: private, but only ${gib} GiB free`,
            "free disk space: events, datasets and model versions grow",
          );
        return `${cfg.home}: private (${octal(m)}), ${gib} GiB free`;
      },
      `make ${cfg.home} readable and writable by the service's user`,
    ),
  );

  let db: DatabaseHandle | undefined;
  /** False while the database has no tables yet: the checks that read them then skip. */
  let migrated = false;
  let store: ObjectStore | undefined;
  try {
    const where = cfg.database.url ? maskUrlPassword(cfg.database.url) : cfg.database.sqlitePath;
    add(
      await check(
        "database",
        async () => {
          if (!cfg.database.url && !existsSync(cfg.database.sqlitePath))
            throw warn(`${where} does not exist yet`, "the first `bulwark serve` creates and migrates it");
          db = await openDatabase(cfg, { migrate: false, poolSize: 2 });
          const started = performance.now();
          await sql`select 1`.execute(db.db);
          const pingMs = (performance.now() - started).toFixed(1);
          const known = await createMigrator(db).getMigrations();
          const pending = known.filter((m) => !m.executedAt).map((m) => m.name);
          const applied = await appliedNames(db);
          const unknown = applied.filter((n) => !known.some((m) => m.name === n));
          migrated = applied.length > 0;
          if (unknown.length)
            throw fail(
              `${where} was migrated by a newer Bulwark (${unknown.join(", ")})`,
              "run the Bulwark version that migrated it, or restore a backup made by this one",
            );
          if (pending.length)
            throw warn(
              `${db.dialect} at ${where}: ${pending.length} migration(s) pending (${pending.join(", ")})`,
              "they run at the next `bulwark serve` or `bulwark worker` start; back up first (`bulwark backup create`)",
            );
          return `${db.dialect} at ${where}: answers in ${pingMs} ms, ${known.length} migrations applied`;
        },
        cfg.database.url
          ? "start PostgreSQL or correct DATABASE_URL (host, port, user, database)"
          : `make ${cfg.database.sqlitePath} readable and writable`,
      ),
    );

    add(
      await check(
        "store",
        async () => {
          store = createObjectStore(cfg.storage, { env });
          const what = `${store.kind === "s3" ? `S3 ${cfg.storage.s3.endpoint ?? "(AWS)"}` : "local disk"} bucket "${store.bucket}"`;
          let lock;
          try {
            lock = await store.getLockConfig();
          } catch (err) {
            if (!(err instanceof NoSuchBucketError)) throw err;
            if (store.kind === "fs")
              throw warn(
                `${what} does not exist yet`,
                "the first `bulwark serve` creates it with Object Lock",
              );
            throw fail(
              `${what} does not exist`,
              "create it with Object Lock: `bulwark storage init --object-lock` (it cannot be added later on most servers)",
            );
          }
          await store.list({ limit: 1 });
          if (!lock.enabled)
            throw warn(
              `${what} reachable, Object Lock OFF: audit snapshots and backups cannot be locked`,
              "create a bucket with Object Lock (`bulwark storage init --object-lock` with a new MINIO_BUCKET) and move the data",
            );
          const retention = lock.defaultRetention
            ? `, default retention ${lock.defaultRetention.mode} ${lock.defaultRetention.days ?? "?"} days`
            : "";
          return `${what} reachable, Object Lock on${retention}`;
        },
        "start the S3 server or correct MINIO_ENDPOINT / MINIO_ACCESS_KEY / MINIO_SECRET_KEY / MINIO_BUCKET",
      ),
    );

    add(await redisCheck(cfg));

    add(
      await check(
        "models",
        async () => {
          if (!db || !migrated) throw skip("no migrated database");
          if (!store) throw skip("no store");
          const registry = new ModelRegistry(db, store, { actor: "system:doctor" });
          const serving = [
            ...(await registry.list({ stage: "production" })),
            ...(await registry.list({ stage: "staging" })),
          ];
          if (!serving.some((v) => v.name === cfg.detector.model && v.stage === "production"))
            throw warn(
              `no production version of "${cfg.detector.model}"`,
              "the first `bulwark serve` installs the shipped model; or `bulwark models promote NAME@VERSION production`",
            );
          const results = await registry.verifyMany(serving);
          const bad = results.filter((r) => !r.ok);
          if (bad.length)
            throw fail(
              bad.map((r) => `${r.ref}: ${r.problem ?? "hash mismatch"}`).join("; "),
              "a tampered or lost artifact never loads: roll back (`bulwark models rollback NAME`) or restore it from a backup",
            );
          return `${results.map((r) => `${r.ref} (${r.stage})`).join(", ")}: SHA-256 verified`;
        },
        "check the database and store above",
      ),
    );

    add(
      await check(
        "audit",
        async () => {
          if (!db || !migrated) throw skip("no migrated database");
          const report = await new HashChainAuditLog(db).verify(store);
          if (!report.ok)
            throw fail(
              `${report.problems.length} problem(s), first: #${report.problems[0]?.seq} ${report.problems[0]?.message ?? ""}`,
              "run `bulwark audit verify` for the list; compare with the locked snapshots under snapshots/audit/",
            );
          return `${report.entries} entries chained, ${report.anchorsChecked} locked seal(s) agree`;
        },
        "check the database and store above",
      ),
    );

    add(await clockCheck(cfg, () => db));
  } finally {
    await (store as ObjectStore | undefined)?.close().catch(() => undefined);
    await (db as DatabaseHandle | undefined)?.close().catch(() => undefined);
  }

  add(await tracingCheck(env));
  return { ok: !checks.some((c) => c.status === "fail"), checks };
}

async function appliedNames(db: DatabaseHandle): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db.db).catch(() => ({
    rows: [] as { name: string }[],
  }));
  return rows.rows.map((r) => r.name);
}

async function redisCheck(cfg: BulwarkConfig): Promise<CheckResult> {
  return check(
    "redis",
    async () => {
      if (!cfg.redis.url) throw skip("not configured: jobs run in-process, rate limits in memory");
      const { Redis } = await import("ioredis");
      const redis = new Redis(cfg.redis.url, {
        lazyConnect: true,
        connectTimeout: 3_000,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      });
      redis.on("error", () => undefined);
      try {
        await redis.connect();
        const info = await redis.info("server");
        const version = /redis_version:(\S+)/.exec(info)?.[1] ?? "?";
        const [, policy] =
          ((await redis.config("GET", "maxmemory-policy").catch(() => [])) as string[]) ?? [];
        const where = maskUrlPassword(cfg.redis.url!);
        const major = Number(version.split(".")[0]);
        if (major && major < 6)
          throw fail(`Redis ${version} at ${where}`, "upgrade Redis to 6.2 or later (BullMQ needs it)");
        if (policy && policy !== "noeviction")
          throw warn(
            `Redis ${version} at ${where}: maxmemory-policy is ${policy}, so queued jobs can be evicted`,
            "set `maxmemory-policy noeviction` in redis.conf (or CONFIG SET maxmemory-policy noeviction)",
          );
        return `Redis ${version} at ${where}${policy ? `, maxmemory-policy ${policy}` : ""}`;
      } finally {
        redis.disconnect();
      }
    },
    "start Redis or correct REDIS_URL",
  );
}

/** The clocks of the database, Redis and the S3 server against this machine's. */
async function clockCheck(cfg: BulwarkConfig, db: () => DatabaseHandle | undefined): Promise<CheckResult> {
  return check(
    "clock",
    async () => {
      const said: string[] = [];
      const handle = db();
      if (handle?.dialect === "postgres") {
        const sent = Date.now();
        const { rows } = await sql<{
          ms: string;
        }>`select (extract(epoch from clock_timestamp()) * 1000)::bigint::text as ms`.execute(handle.db);
        said.push(judgeSkew("PostgreSQL", skew(Number(rows[0]!.ms), sent, Date.now())));
      }
      if (cfg.redis.url) {
        const { Redis } = await import("ioredis");
        const redis = new Redis(cfg.redis.url, {
          lazyConnect: true,
          connectTimeout: 3_000,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        redis.on("error", () => undefined);
        try {
          await redis.connect();
          const sent = Date.now();
          const [s, us] = await redis.time();
          said.push(judgeSkew("Redis", skew(Number(s) * 1000 + Number(us) / 1000, sent, Date.now())));
        } catch (err) {
          if (err instanceof Finding) throw err;
          // Unreachable Redis is the redis check's finding, not the clock's.
        } finally {
          redis.disconnect();
        }
      }
      const endpoint = cfg.storage.backend === "s3" ? cfg.storage.s3.endpoint : undefined;
      if (endpoint) {
        const sent = Date.now();
        const res = await fetch(endpoint, { method: "HEAD", signal: AbortSignal.timeout(3_000) }).catch(
          () => undefined,
        );
        const date = res?.headers.get("date");
        // An HTTP Date has whole seconds: up to a second of the difference is its rounding.
        if (date) said.push(judgeSkew("S3", skew(Date.parse(date) + 500, sent, Date.now()), 1_000));
      }
      if (!said.length) throw skip("every dependency is on this machine (one clock)");
      return said.join(", ");
    },
    "synchronise the clocks with NTP",
  );
}

async function tracingCheck(env: Env): Promise<CheckResult> {
  return check(
    "tracing",
    async () => {
      const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
      if (!endpoint) throw skip("off (OTEL_EXPORTER_OTLP_ENDPOINT is not set)");
      // Any HTTP answer means the collector listens; only a refused or silent one is a problem.
      const res = await fetch(endpoint, { method: "GET", signal: AbortSignal.timeout(3_000) }).catch(
        (err: unknown) => {
          throw warn(
            `OTLP endpoint ${endpoint} unreachable: ${describeError(err)}`,
            "start the collector (Jaeger, OpenTelemetry Collector) or correct OTEL_EXPORTER_OTLP_ENDPOINT; spans are dropped meanwhile",
          );
        },
      );
      return `OTLP endpoint ${endpoint} answers (HTTP ${res.status})`;
    },
    "correct OTEL_EXPORTER_OTLP_ENDPOINT",
  );
}
