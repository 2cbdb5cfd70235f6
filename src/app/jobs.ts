/**
 * The job wiring for every process that touches the queue: the server (producer, and
 * consumer when jobs run in-process), `bulwark worker` (BullMQ consumer) and the CLI's
 * `jobs` commands build it here from one App, so they always agree on the job types.
 */
import type { Logger } from "pino";
import { keySealer } from "../data/import/credentials.js";
import { loadOrCreateSecret } from "../db/secrets.js";
import { createJobSystem, createJobWorker, type JobSystem } from "../jobs/index.js";
import { createJobTypes } from "../jobs/job-types.js";
import { feedbackExtras } from "../learn/feedback.js";
import type { JobServices } from "../jobs/services.js";
import type { App } from "./app.js";
import { retentionLimits } from "./settings.js";

export interface JobWiringOptions {
  logger: Logger;
  /** Jobs at a time in this process (default: the settings'). */
  concurrency?: number;
  /** Told when a job promoted a model to production. */
  onModelChanged?: () => void;
}

export function jobServices(app: App, onModelChanged?: () => void): JobServices {
  const imports = app.settings.imports;
  return {
    workspace: (actor) => app.workspace(actor),
    audit: app.audit,
    store: app.store,
    s3: app.config.storage.s3,
    imports: {
      policy: { allowHosts: imports.allowHosts, s3Buckets: [app.store.bucket, ...imports.s3Buckets] },
      timeoutMs: imports.timeoutSeconds * 1000,
      maxBytes: imports.maxBytes,
    },
    // Made by the first process that needs it, so servers and workers on any machine share it.
    sealer: keySealer(loadOrCreateSecret(app.db.db, "import-credentials")),
    snapshot: {
      mode: app.settings.audit.snapshotMode,
      retentionDays: app.settings.audit.snapshotRetentionDays,
    },
    defaultModel: app.config.detector.model,
    privacy: { ...app.privacy, redactionMode: app.settings.privacy.redactionMode },
    // Users' reports join the learning data only redacted, whatever their store kept.
    learningExtras: () => feedbackExtras(app.db, app.privacy.redactor),
    privacyRights: {
      deps: { db: app.db, store: app.store, audit: app.audit },
      limits: () => retentionLimits(app.settings),
    },
    backup: { db: app.db, lockDays: app.settings.backup.lockDays, lockMode: app.settings.audit.snapshotMode },
    ...(onModelChanged ? { onModelChanged } : {}),
  };
}

function systemOptions(app: App, o: JobWiringOptions) {
  const jobs = app.settings.jobs;
  return {
    db: app.db.db,
    logger: o.logger,
    types: createJobTypes(jobServices(app, o.onModelChanged)),
    redisUrl: app.config.redis.url,
    concurrency: o.concurrency ?? jobs.concurrency,
    maxAttempts: jobs.maxAttempts,
    redisPrefix: jobs.redisPrefix,
    lockDurationMs: jobs.lockDurationMs,
    timeoutSeconds: jobs.timeoutSeconds,
  };
}

/** BullMQ when REDIS_URL is set, else the in-process queue. */
export function openJobSystem(app: App, o: JobWiringOptions): JobSystem {
  return createJobSystem(systemOptions(app, o));
}

/** The BullMQ consumer and its reconciler, for `bulwark worker` (needs REDIS_URL). */
export function openJobWorker(app: App, redisUrl: string, o: JobWiringOptions) {
  return createJobWorker({ ...systemOptions(app, o), redisUrl });
}
