/**
 * Settings of the HTTP service beyond `config.server`: rate limits, token lifetime, auth
 * caches, audit snapshots, what dataset imports may reach. Read from the environment (BULWARK_*), with defaults that suit
 * a single machine; every one is listed in the README (The service, Configuration).
 */
import { availableParallelism } from "node:os";
import { ValidationError } from "../core/errors.js";
import { normaliseHostEntry } from "../data/import/policy.js";
import { parseCronSchedule } from "../jobs/schedule.js";
import type { LockMode } from "../storage/types.js";
import { REDACTION_MODES, type RedactionMode } from "../privacy/index.js";
import type { RetentionLimits } from "../retention/types.js";
import { checkSample, parseShadowRef } from "../analytics/shadow/config.js";
import type { ShadowChoice } from "../analytics/shadow/types.js";

/** What of a screened text a detection event keeps. */
export const EVENT_TEXT_MODES = ["none", "redacted", "full"] as const;
export type EventTextMode = (typeof EVENT_TEXT_MODES)[number];

/** Personal data: how it is redacted, and with which key it is hashed. */
export interface PrivacySettings {
  /** How personal data is taken out of text Bulwark keeps (BULWARK_REDACTION_MODE). */
  redactionMode: RedactionMode;
  /**
   * The keyed-hash secret the operator gives (BULWARK_PRIVACY_KEY, at least 32 bytes as
   * base64 or hex), so that hashes agree across deployments; absent: one is generated and
   * kept in the database (src/app/privacy.ts).
   */
  key: string | undefined;
}

/** Detection events (src/analytics/events/): whether they are kept, and with what text. */
export interface EventSettings {
  enabled: boolean;
  text: EventTextMode;
  /** Longest text an event keeps (the rest is cut before redaction), in UTF-16 code units. */
  maxTextChars: number;
  /** Events written per database statement. */
  batchSize: number;
  /** Longest an event waits in memory before it is written, in milliseconds. */
  flushMs: number;
  /** Events waiting beyond this are dropped (and counted), so a slow database never grows the heap. */
  maxQueue: number;
  /**
   * Texts whose language is identified a second at most, at flush time (0.1-0.2 ms each);
   * the rest get none. 0 turns language identification off.
   */
  langPerSecond: number;
}

/** Shadow models (src/analytics/shadow/): the challenger from the environment, and the runner's queue. */
export interface ShadowSettings {
  /**
   * BULWARK_SHADOW (`name@version`) with BULWARK_SHADOW_SAMPLE: what runs when no setting is
   * stored; one set with `PUT /v1/shadow` or `bulwark shadow set` wins over it.
   */
  fromEnv: ShadowChoice | undefined;
  /** Sampled texts waiting to be scored beyond which new ones are dropped (and counted). */
  maxQueue: number;
}

/** How long each kind of kept data lives, in days (0: kept until erased). */
export interface RetentionSettings {
  eventsDays: number;
  feedbackDays: number;
  redteamDays: number;
  datasetsDays: number;
  logsDays: number;
  /** Cron expression (UTC) at whose ticks a server queues the retention job; null: none. */
  schedule: string | null;
}

/** The retention settings as days per kind, as src/retention takes them. */
export function retentionLimits(s: ServiceSettings): RetentionLimits {
  const r = s.retention;
  return {
    events: r.eventsDays,
    feedback: r.feedbackDays,
    redteam: r.redteamDays,
    datasets: r.datasetsDays,
    logs: r.logsDays,
  };
}

/** What dataset imports (the service's jobs and `bulwark data import`) may reach. */
export interface ImportSettings {
  /** Internal hosts an operator allows (`host` or `host:port`); nothing internal by default. */
  allowHosts: string[];
  /** Buckets s3:// imports may read besides the service's own. */
  s3Buckets: string[];
  /** Per attempt of an import job's download, in seconds. */
  timeoutSeconds: number;
  /** Largest download an import job accepts per source, in bytes. */
  maxBytes: number;
}

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
    /** Anchor the chain head when it is this many entries past the last anchor (0: off). */
    anchorEvery: number;
    /** Seconds between anchors of a moved head (0: off). */
    anchorIntervalSeconds: number;
    /** How long a head anchor stays locked (a snapshot covers it long before). */
    anchorRetentionDays: number;
    /** Minutes between two whole-chain verifications behind bulwark_audit_chain_verified (0: off). */
    verifyMinutes: number;
  };
  jobs: {
    concurrency: number;
    maxAttempts: number;
    /** Redis key prefix of the BullMQ queue and the shared rate-limit counters. */
    redisPrefix: string;
    /** Milliseconds after which BullMQ considers a job of a dead worker stalled. */
    lockDurationMs: number;
    /** Longest a job of each type may run, in seconds, before it is failed with JOB_TIMEOUT. */
    timeoutSeconds: Record<string, number>;
  };
  learn: {
    /** Cron expression (UTC) at whose ticks a server queues a learning cycle; null: none. */
    schedule: string | null;
  };
  backup: {
    /** Cron expression (UTC) at whose ticks a server queues a backup (src/backup/); null: none. */
    schedule: string | null;
    /** Days a scheduled backup stays under Object Lock (0: not locked). */
    lockDays: number;
  };
  /** Seconds between checks for a newly promoted production model (0: never). */
  modelPollSeconds: number;
  /** Memory for loaded model versions kept for reuse, in MiB (0: none kept). */
  modelCacheMb: number;
  imports: ImportSettings;
  privacy: PrivacySettings;
  events: EventSettings;
  /** Drift of live traffic from the production model's validation data (src/analytics/drift/). */
  drift: {
    /** Minutes between two computations of the bulwark_drift_psi gauges (a scrape in between reads the last). */
    refreshMinutes: number;
  };
  retention: RetentionSettings;
  shadow: ShadowSettings;
  /** Worker threads that screen large inputs off the request thread. */
  detectPool: {
    /** Threads (0: everything on the request thread). */
    workers: number;
    /** A request of at least this many characters (all its texts together) goes to the pool. */
    minChars: number;
    /** Characters waiting in or being screened by the pool, beyond which 503 DETECTION_BUSY. */
    queueChars: number;
  };
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

function choice<T extends string>(env: Env, name: string, options: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (!(options as readonly string[]).includes(raw))
    throw new ValidationError(`${name} must be one of ${options.join(", ")}, got "${env[name]}"`);
  return raw as T;
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export function loadImportSettings(env: Env = process.env): ImportSettings {
  const allowHosts = list(env, "BULWARK_IMPORT_ALLOW_HOSTS").map((entry) => {
    try {
      return normaliseHostEntry(entry);
    } catch {
      throw new ValidationError(
        `BULWARK_IMPORT_ALLOW_HOSTS: "${entry}" is not a host or host:port (e.g. 10.0.0.5, data.internal:8443)`,
      );
    }
  });
  const s3Buckets = list(env, "BULWARK_IMPORT_S3_BUCKETS");
  for (const b of s3Buckets)
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(b))
      throw new ValidationError(`BULWARK_IMPORT_S3_BUCKETS: "${b}" is not a bucket name`);
  return {
    allowHosts,
    s3Buckets,
    timeoutSeconds: int(env, "BULWARK_IMPORT_TIMEOUT", 30, 1),
    maxBytes: int(env, "BULWARK_IMPORT_MAX_BYTES", 536_870_912, 1),
  };
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
      anchorEvery: int(env, "BULWARK_AUDIT_ANCHOR_EVERY", 100),
      anchorIntervalSeconds: int(env, "BULWARK_AUDIT_ANCHOR_INTERVAL", 60),
      anchorRetentionDays: int(env, "BULWARK_AUDIT_ANCHOR_RETENTION_DAYS", 7, 1),
      verifyMinutes: int(env, "BULWARK_AUDIT_VERIFY_MINUTES", 10),
    },
    jobs: {
      concurrency: int(env, "BULWARK_JOB_CONCURRENCY", 1, 1),
      maxAttempts: int(env, "BULWARK_JOB_ATTEMPTS", 2, 1),
      redisPrefix: env.BULWARK_REDIS_PREFIX ?? "bulwark",
      lockDurationMs: int(env, "BULWARK_JOB_LOCK_MS", 30_000, 1_000),
      timeoutSeconds: {
        "training.run": int(env, "BULWARK_JOB_TIMEOUT_TRAINING", 21_600, 1),
        "dataset.import": int(env, "BULWARK_JOB_TIMEOUT_IMPORT", 7_200, 1),
        "audit.snapshot": int(env, "BULWARK_JOB_TIMEOUT_SNAPSHOT", 3_600, 1),
        "learn.cycle": int(env, "BULWARK_JOB_TIMEOUT_LEARN", 21_600, 1),
        // Any other type (the self-test, a type added later).
        default: int(env, "BULWARK_JOB_TIMEOUT", 3_600, 1),
      },
    },
    learn: {
      schedule: env.BULWARK_LEARN_SCHEDULE?.trim()
        ? parseCronSchedule(env.BULWARK_LEARN_SCHEDULE, "BULWARK_LEARN_SCHEDULE").expression
        : null,
    },
    backup: {
      schedule: env.BULWARK_BACKUP_SCHEDULE?.trim()
        ? parseCronSchedule(env.BULWARK_BACKUP_SCHEDULE, "BULWARK_BACKUP_SCHEDULE").expression
        : null,
      lockDays: int(env, "BULWARK_BACKUP_LOCK_DAYS", 0),
    },
    modelPollSeconds: int(env, "BULWARK_MODEL_POLL_INTERVAL", 30),
    modelCacheMb: int(env, "BULWARK_MODEL_CACHE_MB", 2_048),
    imports: loadImportSettings(env),
    privacy: {
      redactionMode: choice(env, "BULWARK_REDACTION_MODE", REDACTION_MODES, "mask"),
      key: env.BULWARK_PRIVACY_KEY?.trim() || undefined,
    },
    events: {
      enabled: choice(env, "BULWARK_EVENTS", ["on", "off"], "on") === "on",
      text: choice(env, "BULWARK_EVENTS_TEXT", EVENT_TEXT_MODES, "redacted"),
      maxTextChars: int(env, "BULWARK_EVENTS_MAX_TEXT_CHARS", 4_096, 1),
      batchSize: int(env, "BULWARK_EVENTS_BATCH", 500, 1),
      flushMs: int(env, "BULWARK_EVENTS_FLUSH_MS", 250, 1),
      maxQueue: int(env, "BULWARK_EVENTS_MAX_QUEUE", 100_000, 1),
      langPerSecond: int(env, "BULWARK_EVENTS_LANG_PER_SEC", 1_000, 0),
    },
    drift: { refreshMinutes: int(env, "BULWARK_DRIFT_REFRESH_MINUTES", 10, 1) },
    retention: {
      eventsDays: int(env, "BULWARK_RETENTION_EVENTS_DAYS", 90),
      feedbackDays: int(env, "BULWARK_RETENTION_FEEDBACK_DAYS", 365),
      redteamDays: int(env, "BULWARK_RETENTION_REDTEAM_DAYS", 180),
      datasetsDays: int(env, "BULWARK_RETENTION_DATASETS_DAYS", 0),
      logsDays: int(env, "BULWARK_RETENTION_LOGS_DAYS", 30),
      schedule:
        env.BULWARK_RETENTION_SCHEDULE === undefined
          ? "17 3 * * *"
          : env.BULWARK_RETENTION_SCHEDULE.trim() && env.BULWARK_RETENTION_SCHEDULE.trim() !== "off"
            ? parseCronSchedule(env.BULWARK_RETENTION_SCHEDULE, "BULWARK_RETENTION_SCHEDULE").expression
            : null,
    },
    shadow: {
      fromEnv: shadowFromEnv(env),
      maxQueue: int(env, "BULWARK_SHADOW_MAX_QUEUE", 10_000, 1),
    },
    detectPool: {
      // One core stays for the request thread; two workers are plenty for large inputs.
      workers: int(env, "BULWARK_DETECT_WORKERS", Math.min(2, Math.max(0, availableParallelism() - 1))),
      minChars: int(env, "BULWARK_DETECT_POOL_MIN_CHARS", 65_536, 1),
      queueChars: int(env, "BULWARK_DETECT_POOL_QUEUE_CHARS", 16_777_216, 1),
    },
  };
}

function shadowFromEnv(env: Env): ShadowChoice | undefined {
  const ref = env.BULWARK_SHADOW?.trim();
  const raw = env.BULWARK_SHADOW_SAMPLE?.trim();
  const sample = raw === undefined || raw === "" ? 0.1 : Number(raw);
  if (raw && Number.isNaN(sample))
    throw new ValidationError(`BULWARK_SHADOW_SAMPLE must be a share from 0 to 1, e.g. 0.1, got "${raw}"`);
  checkSample(sample, "BULWARK_SHADOW_SAMPLE");
  if (!ref || ref === "off") return undefined;
  return { ...parseShadowRef(ref, "BULWARK_SHADOW"), sample };
}
