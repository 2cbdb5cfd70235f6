/**
 * The embedded queue: jobs run in the server's own process, a few at a time. Their rows
 * are written first, so a crash loses nothing: on the next start (and periodically) jobs
 * whose process stopped sending heartbeats are retried, or failed once out of attempts.
 */
import type { Logger } from "pino";
import { ValidationError } from "../core/errors.js";
import { captureTraceContext } from "../core/tracing.js";
import type { JobRunner } from "./runner.js";
import type { JobStore } from "./store.js";
import type { EnqueueOptions, Job, JobQueue, JobType } from "./types.js";

export interface InProcessOptions {
  concurrency: number;
  maxAttempts: number;
  /** A running job whose heartbeat is older than this belongs to a dead process. */
  staleMs: number;
}

export class InProcessQueue implements JobQueue {
  readonly kind = "inprocess" as const;
  private readonly waiting: string[] = [];
  private readonly known = new Set<string>();
  /** Jobs waiting out their retry delay: queued in the database, but not to be run yet. */
  private readonly backingOff = new Set<string>();
  private running = 0;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly idle = new Set<() => void>();
  /** The trace context of the request that enqueued a job, until it runs (tracing on only). */
  private readonly traces = new Map<string, Record<string, string>>();

  constructor(
    private readonly store: JobStore,
    private readonly types: ReadonlyMap<string, JobType>,
    private readonly runner: JobRunner,
    private readonly logger: Logger,
    private readonly options: InProcessOptions,
  ) {}

  async enqueue(type: string, payload: unknown, options: EnqueueOptions): Promise<Job> {
    const jobType = this.types.get(type);
    if (!jobType) throw new ValidationError(`unknown job type "${type}"`);
    const job = await this.store.create({
      type,
      payload: jobType.validate(payload),
      createdBy: options.createdBy,
      maxAttempts: options.maxAttempts ?? this.options.maxAttempts,
      backend: "inprocess",
    });
    const trace = captureTraceContext();
    if (trace) this.traces.set(job.id, trace);
    this.push(job.id);
    return job;
  }

  async cancel(id: string): Promise<Job> {
    const job = await this.store.requestCancel(id);
    this.runner.abort(id);
    return job;
  }

  async start(): Promise<void> {
    await this.recover();
    this.timer = setInterval(
      () => void this.recover().catch(() => undefined),
      Math.max(1000, this.options.staleMs / 2),
    );
    this.timer.unref();
  }

  /** Retries (or fails) jobs of dead processes and picks up queued jobs nobody is running. */
  async recover(): Promise<void> {
    const staleBefore = new Date(Date.now() - this.options.staleMs);
    for (const job of await this.store.stale("inprocess", staleBefore)) {
      const reason = `the process running it (${job.worker ?? "?"}) stopped before it finished`;
      if (job.attempts < job.maxAttempts) {
        await this.store.log(job.id, `${reason}; retrying`, "warn");
        await this.store.requeue(job.id, reason);
        this.logger.warn({ jobId: job.id }, "job of a dead process requeued");
      } else {
        await this.store.log(job.id, `${reason}; no attempts left`, "error");
        await this.store.finish(job.id, "failed", {
          error: `${reason} (attempt ${job.attempts} of ${job.maxAttempts})`,
        });
        this.logger.warn({ jobId: job.id }, "job of a dead process failed");
      }
    }
    for (const job of await this.store.queued("inprocess")) this.push(job.id);
  }

  private push(id: string): void {
    if (this.known.has(id) || this.backingOff.has(id) || this.closed) return;
    this.known.add(id);
    this.waiting.push(id);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.running < this.options.concurrency && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      this.running++;
      void this.runOne(id).finally(() => {
        this.running--;
        this.known.delete(id);
        this.pump();
        if (this.running === 0 && this.waiting.length === 0) for (const f of this.idle) f();
      });
    }
  }

  private async runOne(id: string): Promise<void> {
    // Every attempt made here is traced under the request that enqueued it (see runner.run).
    const parent = this.traces.get(id);
    let retried = false;
    try {
      const job = await this.store.claim(id);
      if (!job) return; // cancelled, or another process took it
      const outcome = await this.runner.run(job, parent);
      if (outcome === "retry" && !this.closed) {
        retried = true;
        const delay = Math.min(30_000, 1000 * 2 ** (job.attempts - 1));
        this.backingOff.add(id);
        setTimeout(() => {
          this.backingOff.delete(id);
          this.push(id);
        }, delay).unref();
      }
    } catch (err) {
      this.logger.error({ jobId: id, err }, "job bookkeeping failed");
    } finally {
      if (!retried) this.traces.delete(id);
    }
  }

  /** Resolves when nothing is running or waiting (tests, graceful shutdown). */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const f = () => {
        this.idle.delete(f);
        resolve();
      };
      this.idle.add(f);
    });
  }

  async close(options: { graceMs?: number } = {}): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    // Interrupted jobs are queued again in the database: the next start runs them.
    await this.runner.drain(options.graceMs ?? 0);
    this.runner.close();
  }
}
