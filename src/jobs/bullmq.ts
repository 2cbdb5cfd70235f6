/**
 * The scale-out queue: BullMQ on Redis. The server (producer) writes the job row, then
 * adds a BullMQ job carrying only its id; `bulwark worker` processes consume them. A
 * worker that dies stops renewing its lock, BullMQ moves the job back to waiting and
 * another worker retries it; a periodic reconciliation marks failed what BullMQ gave up
 * on, and re-adds what Redis lost, so no job stays "running" forever.
 */
import { Queue, WaitingError, Worker, type Job as BullJob } from "bullmq";
import type { Logger } from "pino";
import { BulwarkError, ValidationError, describeError } from "../core/errors.js";
import { captureTraceContext } from "../core/tracing.js";
import type { JobRunner } from "./runner.js";
import type { JobStore } from "./store.js";
import type { EnqueueOptions, Job, JobQueue, JobType } from "./types.js";

export const QUEUE_NAME = "bulwark-jobs";

export interface BullOptions {
  redisUrl: string;
  prefix: string;
  maxAttempts: number;
  /** BullMQ lock duration; a job whose worker stops renewing it for this long is stalled. */
  lockDurationMs: number;
}

interface Payload {
  id: string;
  /** W3C trace context of the request that enqueued the job (tracing on only). */
  trace?: Record<string, string>;
}

function addOptions(id: string, attempts: number) {
  return {
    jobId: id,
    attempts,
    backoff: { type: "exponential" as const, delay: 1000 },
    removeOnComplete: { age: 86_400 },
    removeOnFail: { age: 7 * 86_400 },
  };
}

export class BullQueue implements JobQueue {
  readonly kind = "bullmq" as const;
  readonly queue: Queue;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly types: ReadonlyMap<string, JobType>,
    private readonly logger: Logger,
    private readonly options: BullOptions,
  ) {
    this.queue = new Queue(QUEUE_NAME, {
      // No offline queue: while Redis is down an enqueue fails at once (503 QUEUE_UNAVAILABLE)
      // instead of waiting out BullMQ's reconnection delays (a second or more each).
      connection: { url: options.redisUrl, maxRetriesPerRequest: 1, enableOfflineQueue: false },
      prefix: options.prefix,
    });
    this.queue.on("error", (err) => this.logger.warn({ err: describeError(err) }, "BullMQ queue error"));
  }

  async enqueue(type: string, payload: unknown, options: EnqueueOptions): Promise<Job> {
    const jobType = this.types.get(type);
    if (!jobType) throw new ValidationError(`unknown job type "${type}"`);
    const maxAttempts = options.maxAttempts ?? this.options.maxAttempts;
    const job = await this.store.create({
      type,
      payload: jobType.validate(payload),
      createdBy: options.createdBy,
      maxAttempts,
      backend: "bullmq",
    });
    try {
      const trace = captureTraceContext();
      await this.queue.add(
        type,
        { id: job.id, ...(trace ? { trace } : {}) },
        addOptions(job.id, maxAttempts),
      );
    } catch (err) {
      await this.store.finish(job.id, "failed", {
        error: `could not reach the queue: ${describeError(err)}`,
      });
      throw new BulwarkError(
        "QUEUE_UNAVAILABLE",
        `the job queue (Redis) is unavailable: ${describeError(err)}`,
        503,
      );
    }
    return job;
  }

  async cancel(id: string): Promise<Job> {
    const job = await this.store.requestCancel(id);
    if (job.status === "cancelled") await this.queue.remove(id).catch(() => undefined);
    return job;
  }

  async start(): Promise<void> {
    await this.reconcile().catch((err: unknown) =>
      this.logger.warn({ err: describeError(err) }, "job reconciliation failed"),
    );
    this.timer = setInterval(
      () =>
        void this.reconcile().catch((err: unknown) =>
          this.logger.warn({ err: describeError(err) }, "job reconciliation failed"),
        ),
      Math.max(1000, this.options.lockDurationMs),
    );
    this.timer.unref();
  }

  /**
   * Brings the database in line with BullMQ for jobs whose worker went silent: failed in
   * BullMQ -> failed here; waiting again -> queued; unknown to Redis -> added again (or
   * failed when out of attempts). Queued rows that Redis lost are added again too.
   */
  async reconcile(): Promise<void> {
    const staleBefore = new Date(Date.now() - 2 * this.options.lockDurationMs);
    for (const job of await this.store.stale("bullmq", staleBefore)) {
      const state = await this.queue.getJobState(job.id);
      if (state === "failed") {
        const bull = await this.queue.getJob(job.id);
        const reason = bull?.failedReason ?? "failed in the queue";
        await this.store.log(job.id, `the queue gave up: ${reason}`, "error");
        await this.store.finish(job.id, "failed", { error: reason });
      } else if (
        state === "waiting" ||
        state === "delayed" ||
        state === "prioritized" ||
        state === "waiting-children"
      ) {
        await this.store.requeue(
          job.id,
          `the worker running it (${job.worker ?? "?"}) stopped; waiting for another worker`,
        );
      } else if (state === "unknown" || state === "completed") {
        await this.readd(job, "the queue lost track of it");
      }
    }
    const lostBefore = new Date(Date.now() - 2 * this.options.lockDurationMs).toISOString();
    for (const job of await this.store.queued("bullmq")) {
      if (job.updatedAt > lostBefore) continue;
      if ((await this.queue.getJobState(job.id)) === "unknown")
        await this.readd(job, "it was missing from the queue");
    }
  }

  private async readd(job: Job, why: string): Promise<void> {
    if (job.attempts >= job.maxAttempts) {
      await this.store.log(job.id, `${why}; no attempts left`, "error");
      await this.store.finish(job.id, "failed", { error: `${why} after ${job.attempts} attempt(s)` });
      return;
    }
    await this.store.log(job.id, `${why}; queued again`, "warn");
    await this.store.requeue(job.id, why);
    await this.queue.add(job.type, { id: job.id }, addOptions(job.id, job.maxAttempts - job.attempts));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.queue.close().catch(() => undefined);
  }
}

/** `bulwark worker`: consumes the BullMQ queue and runs each job with the shared runner. */
export class BullWorker {
  private worker: Worker<Payload> | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly runner: JobRunner,
    private readonly logger: Logger,
    private readonly options: BullOptions & { concurrency: number },
  ) {}

  start(): void {
    this.worker = new Worker<Payload>(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: { url: this.options.redisUrl, maxRetriesPerRequest: null },
      prefix: this.options.prefix,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(this.options.lockDurationMs / 2)),
      maxStalledCount: this.options.maxAttempts,
    });
    this.worker.on("error", (err) => this.logger.warn({ err: describeError(err) }, "BullMQ worker error"));
    this.worker.on("failed", (job, err) => {
      // BullMQ gives up on its own only for jobs that stalled too often: record it.
      if (job && /stalled/.test(err.message)) {
        const id = job.data.id;
        void this.store
          .log(id, `the queue gave up: ${err.message}`, "error")
          .then(() => this.store.finish(id, "failed", { error: err.message }))
          .catch(() => undefined);
      }
    });
  }

  private async process(bull: BullJob<Payload>, token: string | undefined): Promise<unknown> {
    const job = await this.store.claim(bull.data.id, { fromRunning: true });
    if (!job) return null; // cancelled or already finished
    const outcome = await this.runner.run(job, bull.data.trace);
    if (outcome === "interrupted") {
      // This worker is shutting down: back to waiting, without spending a BullMQ attempt,
      // so another worker takes it now rather than once the lock has expired.
      await bull.moveToWait(token);
      throw new WaitingError();
    }
    // Throwing hands the retry (with backoff) to BullMQ; the row already says "queued".
    if (outcome === "retry") throw new Error((await this.store.get(job.id)).error ?? "failed");
    return outcome;
  }

  /**
   * Stops taking jobs; running ones get `graceMs` to finish, then go back to waiting for
   * another worker (their row queued, their attempt given back).
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    await Promise.all([this.worker?.close(), this.runner.drain(options.graceMs ?? 0)]);
    this.runner.close();
  }
}
