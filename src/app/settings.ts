/**
 * Settings of the HTTP service beyond `config.server`: rate limits, token lifetime, auth
 * caches, audit snapshots. Read from the environment (BULWARK_*), with defaults that suit
 * a single machine; every one is listed in the README (The service, Configuration).
 */
import { ValidationError } from "../core/errors.js";
import type { LockMode } from "../storage/types.js";

export interface ServiceSettings {
  rateLimit: {
    /** Length of one fixed window, in milliseconds. */
    windowMs: number;
    /** Requests per window for one API key or user (0: no limit). */
    perKey: number;
    /** Requests per window from one client address, authenticated or not (0: no limit). */
    perIp: number;
    /** Login attempts per window from one address for one username. */
    login: number;
  };
  /** Lifetime of the JWTs issued by POST /v1/auth/login, in seconds. */
  tokenTtlSeconds: number;
  /** How long a verified API key or token subject is trusted without a database read. */
  authCacheTtlMs: number;
  /** Trust X-Forwarded-For (behind a reverse proxy) for the client address. */
  trustProxy: boolean;
  /** Serve /docs without credentials (off: the docs need any valid credential). */
  publicDocs: boolean;
  audit: {
    /** Seconds between audit snapshots to `snapshots/audit/` (0: never on a timer). */
    snapshotIntervalSeconds: number;
    snapshotMode: LockMode;
    snapshotRetentionDays: number;
  };
  jobs: {
    concurrency: number;
    maxAttempts: number;
    /** Redis key prefix of the BullMQ queue and the shared rate-limit counters. */
    redisPrefix: string;
    /** Milliseconds after which BullMQ considers a job of a dead worker stalled. */
    lockDurationMs: number;
  };
  /** Seconds between checks for a newly promoted production model (0: never). */
  modelPollSeconds: number;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new ValidationError(`${name} must be a whole number >= ${min}, got "${raw}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ValidationError(`${name} must be true or false, got "${raw}"`);
}

export function loadServiceSettings(env: Env = process.env): ServiceSettings {
  const mode = (env.BULWARK_AUDIT_SNAPSHOT_MODE ?? "governance").toUpperCase();
  if (mode !== "GOVERNANCE" && mode !== "COMPLIANCE") {
    throw new ValidationError(`BULWARK_AUDIT_SNAPSHOT_MODE must be governance or compliance, got "${mode}"`);
  }
  return {
    rateLimit: {
      windowMs: int(env, "BULWARK_RATE_LIMIT_WINDOW_MS", 60_000, 1),
      perKey: int(env, "BULWARK_RATE_LIMIT_PER_KEY", 6_000),
      perIp: int(env, "BULWARK_RATE_LIMIT_PER_IP", 12_000),
      login: int(env, "BULWARK_RATE_LIMIT_LOGIN", 10),
    },
    tokenTtlSeconds: int(env, "BULWARK_TOKEN_TTL", 900, 1),
    authCacheTtlMs: int(env, "BULWARK_AUTH_CACHE_TTL_MS", 5_000),
    trustProxy: bool(env, "BULWARK_TRUST_PROXY", false),
    publicDocs: bool(env, "BULWARK_PUBLIC_DOCS", false),
    audit: {
      snapshotIntervalSeconds: int(env, "BULWARK_AUDIT_SNAPSHOT_INTERVAL", 3_600),
      snapshotMode: mode,
      snapshotRetentionDays: int(env, "BULWARK_AUDIT_SNAPSHOT_RETENTION_DAYS", 365, 1),
    },
    jobs: {
      concurrency: int(env, "BULWARK_JOB_CONCURRENCY", 1, 1),
      maxAttempts: int(env, "BULWARK_JOB_ATTEMPTS", 2, 1),
      redisPrefix: env.BULWARK_REDIS_PREFIX ?? "bulwark",
      lockDurationMs: int(env, "BULWARK_JOB_LOCK_MS", 30_000, 1_000),
    },
    modelPollSeconds: int(env, "BULWARK_MODEL_POLL_INTERVAL", 30),
  };
}
