/** Shared pieces of the job tests: a job system over a test database, and polling for a state. */
import { HashChainAuditLog } from "../../src/audit/chain.js";
import { createLogger } from "../../src/core/logger.js";
import { loadConfig } from "../../src/core/config.js";
import type { DatabaseHandle } from "../../src/db/open.js";
import { openWorkspace } from "../../src/app/workspace.js";
import { createJobSystem } from "../../src/jobs/index.js";
import { createJobTypes } from "../../src/jobs/job-types.js";
import type { Job } from "../../src/jobs/types.js";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import { tempDir } from "../helpers/tmp.js";

export function makeSystem(
  db: DatabaseHandle,
  options: { redisUrl?: string; prefix?: string; maxAttempts?: number; lockDurationMs?: number } = {},
) {
  const store = new FsObjectStore({ root: tempDir("bulwark-jobs-store-"), bucket: "jobs" });
  const config = loadConfig({ BULWARK_HOME: tempDir("bulwark-jobs-home-") });
  const audit = new HashChainAuditLog(db);
  return createJobSystem({
    db: db.db,
    logger: createLogger({ level: "silent" }),
    types: createJobTypes({
      workspace: (actor) => openWorkspace(config, { actor, audit, db, store }),
      audit,
      store,
      s3: config.storage.s3,
      snapshot: { mode: "GOVERNANCE", retentionDays: 1 },
      defaultModel: config.detector.model,
    }),
    redisUrl: options.redisUrl,
    concurrency: 1,
    maxAttempts: options.maxAttempts ?? 2,
    redisPrefix: options.prefix ?? "bulwark",
    lockDurationMs: options.lockDurationMs ?? 1000,
  });
}

export async function waitFor(
  get: () => Promise<Job>,
  done: (j: Job) => boolean,
  timeoutMs = 20_000,
): Promise<Job> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await get();
    if (done(job)) return job;
    if (Date.now() > until) throw new Error(`timed out waiting; last state ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const finished = (j: Job) => !["queued", "running"].includes(j.status);
