/**
 * The job system over a table of job types: BullMQ when a Redis URL is given, else the
 * in-process queue. Both write job state to the same tables through one runner, so the
 * API and the CLI see the same thing whichever queue carries the work.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../db/schema.js";
import { BullQueue, BullWorker } from "./bullmq.js";
import { InProcessQueue } from "./inprocess.js";
import { JobRunner } from "./runner.js";
import { JobStore } from "./store.js";
import type { JobQueue, JobType } from "./types.js";

export interface JobSystemOptions {
  db: Kysely<Database>;
  logger: Logger;
  types: ReadonlyMap<string, JobType>;
  redisUrl: string | undefined;
  concurrency: number;
  maxAttempts: number;
  redisPrefix: string;
  lockDurationMs: number;
  /** Longest run per job type in seconds (`default` for the others); none when absent. */
  timeoutSeconds?: Record<string, number>;
}

export interface JobSystem {
  store: JobStore;
  queue: JobQueue;
}

function runnerFor(o: JobSystemOptions, store: JobStore): JobRunner {
  const limits = o.timeoutSeconds ?? {};
  return new JobRunner(store, o.types, o.logger, Math.max(250, Math.floor(o.lockDurationMs / 4)), (type) => {
    const s = limits[type] ?? limits.default;
    return s === undefined ? undefined : s * 1000;
  });
}

export function createJobSystem(o: JobSystemOptions): JobSystem {
  const store = new JobStore(o.db);
  if (o.redisUrl) {
    return {
      store,
      queue: new BullQueue(store, o.types, o.logger, {
        redisUrl: o.redisUrl,
        prefix: o.redisPrefix,
        maxAttempts: o.maxAttempts,
        lockDurationMs: o.lockDurationMs,
      }),
    };
  }
  return {
    store,
    queue: new InProcessQueue(store, o.types, runnerFor(o, store), o.logger, {
      concurrency: o.concurrency,
      maxAttempts: o.maxAttempts,
      staleMs: o.lockDurationMs,
    }),
  };
}

/**
 * The consumer side of BullMQ, for `bulwark worker`, with a reconciler: workers also
 * retry or fail the jobs of workers that died, even when no server is up.
 */
export function createJobWorker(o: JobSystemOptions & { redisUrl: string }): {
  store: JobStore;
  worker: BullWorker;
  reconciler: BullQueue;
} {
  const store = new JobStore(o.db);
  const bull = {
    redisUrl: o.redisUrl,
    prefix: o.redisPrefix,
    maxAttempts: o.maxAttempts,
    lockDurationMs: o.lockDurationMs,
  };
  return {
    store,
    worker: new BullWorker(store, runnerFor(o, store), o.logger, { ...bull, concurrency: o.concurrency }),
    reconciler: new BullQueue(store, o.types, o.logger, bull),
  };
}

export { JobStore } from "./store.js";
export type * from "./types.js";
