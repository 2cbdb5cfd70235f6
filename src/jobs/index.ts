/**
 * The job system from configuration: BullMQ when REDIS_URL is set, else the in-process
 * queue. Both write job state to the same tables through one runner.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../db/schema.js";
import { BullQueue, BullWorker } from "./bullmq.js";
import { createJobTypes, type JobDeps } from "./handlers.js";
import { InProcessQueue } from "./inprocess.js";
import { JobRunner } from "./runner.js";
import { JobStore } from "./store.js";
import type { JobQueue } from "./types.js";

export interface JobSystemOptions {
  db: Kysely<Database>;
  logger: Logger;
  deps: JobDeps;
  redisUrl: string | undefined;
  concurrency: number;
  maxAttempts: number;
  redisPrefix: string;
  lockDurationMs: number;
}

export interface JobSystem {
  store: JobStore;
  queue: JobQueue;
}

function parts(o: JobSystemOptions) {
  const store = new JobStore(o.db);
  const types = createJobTypes(o.deps);
  const runner = new JobRunner(store, types, o.logger, Math.max(250, Math.floor(o.lockDurationMs / 4)));
  return { store, types, runner };
}

export function createJobSystem(o: JobSystemOptions): JobSystem {
  const { store, types, runner } = parts(o);
  if (o.redisUrl) {
    runner.close(); // the producer runs nothing itself
    return {
      store,
      queue: new BullQueue(store, types, o.logger, {
        redisUrl: o.redisUrl,
        prefix: o.redisPrefix,
        maxAttempts: o.maxAttempts,
        lockDurationMs: o.lockDurationMs,
      }),
    };
  }
  return {
    store,
    queue: new InProcessQueue(store, types, runner, o.logger, {
      concurrency: o.concurrency,
      maxAttempts: o.maxAttempts,
      staleMs: o.lockDurationMs,
    }),
  };
}

/** The consumer side of BullMQ, for `bulwark worker`. */
export function createJobWorker(o: JobSystemOptions & { redisUrl: string }): {
  store: JobStore;
  worker: BullWorker;
} {
  const { store, runner } = parts(o);
  return {
    store,
    worker: new BullWorker(store, runner, o.logger, {
      redisUrl: o.redisUrl,
      prefix: o.redisPrefix,
      maxAttempts: o.maxAttempts,
      lockDurationMs: o.lockDurationMs,
      concurrency: o.concurrency,
    }),
  };
}

export { JobStore } from "./store.js";
export type * from "./types.js";
