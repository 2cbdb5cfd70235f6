/**
 * The job types Bulwark knows, in one flat registry: a name, a payload check, a handler.
 * Servers and workers build the same registry, so any worker can run any job.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ValidationError } from "../core/errors.js";
import { snapshotAudit, type HashChainAuditLog } from "../core/audit-chain.js";
import type { ObjectStore } from "../storage/types.js";
import type { JobType } from "./types.js";
import { datasetImportJob, trainingJob, type WorkDeps } from "./work.js";

export interface JobDeps extends WorkDeps {
  audit: HashChainAuditLog;
  store: ObjectStore;
  snapshot: { mode: "GOVERNANCE" | "COMPLIANCE"; retentionDays: number };
}

function objectPayload(payload: unknown): Record<string, unknown> {
  if (payload === undefined || payload === null) return {};
  if (typeof payload !== "object" || Array.isArray(payload))
    throw new ValidationError("the job payload must be an object");
  return payload as Record<string, unknown>;
}

function intField(
  p: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const v = p[name] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return v;
}

/** Checks the queue end to end: waits `ms` with progress, failing its first `failTimes` attempts. */
const selftest: JobType = {
  validate(payload) {
    const p = objectPayload(payload);
    for (const k of Object.keys(p))
      if (k !== "ms" && k !== "failTimes") throw new ValidationError(`unknown field "${k}"`);
    return { ms: intField(p, "ms", 0, 600_000, 100), failTimes: intField(p, "failTimes", 0, 10, 0) };
  },
  async run(ctx) {
    const { ms, failTimes } = ctx.payload as { ms: number; failTimes: number };
    const steps = 10;
    for (let i = 1; i <= steps; i++) {
      await sleep(ms / steps, undefined, { signal: ctx.signal });
      ctx.progress(i / steps, `waited ${Math.round((ms * i) / steps)} ms`);
    }
    if (ctx.job.attempts <= failTimes) throw new Error(`failing attempt ${ctx.job.attempts} on purpose`);
    return { waitedMs: ms, attempt: ctx.job.attempts, worker: ctx.job.worker };
  },
};

function auditSnapshot(deps: JobDeps): JobType {
  return {
    validate(payload) {
      const p = objectPayload(payload);
      if (Object.keys(p).length > 0) throw new ValidationError("audit.snapshot takes no parameters");
      return {};
    },
    async run(ctx) {
      ctx.progress(0.1, "reading new audit entries");
      const result = await snapshotAudit(deps.audit, deps.store, deps.snapshot);
      if (!result) {
        ctx.log("no new audit entries since the last snapshot");
        return { written: false };
      }
      ctx.log(
        `wrote ${result.key} (entries ${result.from}-${result.to})` +
          (result.locked
            ? `, ${deps.snapshot.mode} until ${result.retainUntil}`
            : ", NOT locked: the bucket has no Object Lock"),
        result.locked ? "info" : "warn",
      );
      return { written: true, ...result };
    },
  };
}

export function createJobTypes(deps: JobDeps): Map<string, JobType> {
  return new Map<string, JobType>([
    ["system.selftest", selftest],
    ["audit.snapshot", auditSnapshot(deps)],
    ["dataset.import", datasetImportJob(deps)],
    ["training.run", trainingJob(deps)],
  ]);
}
