/**
 * Runs claimed jobs for either queue: builds the handler's context (progress, log,
 * cancellation), keeps a heartbeat so a dead process is noticed, and records the outcome.
 * A failure with attempts left goes back to the queue; a worker that died mid-job is
 * noticed by its silent heartbeat and the job retried or failed, so none is lost.
 * A job that runs longer than its type's limit is failed with JOB_TIMEOUT at once: its
 * signal aborts (a training thread is terminated) and its slot is free for the next job,
 * whether or not the handler has noticed yet. A timeout is not retried: it would time out again.
 * A process shutting down drains its jobs: it lets them run for a grace period, then
 * stops the rest the same way and hands them back to the queue with their attempt given
 * back (an interruption is not a failure), so another process runs them from the start.
 */
import type { Logger } from "pino";
import { describeError } from "../core/errors.js";
import {
  context,
  contextFrom,
  SpanKind,
  SpanStatusCode,
  trace,
  tracer,
  tracingEnabled,
} from "../core/tracing.js";
import type { JobStore } from "./store.js";
import type { Job, JobContext, JobLogLine, JobType } from "./types.js";

export type RunOutcome = "succeeded" | "failed" | "cancelled" | "retry" | "interrupted";

const PROGRESS_EVERY_MS = 500;

class JobTimeout extends Error {
  constructor(readonly limitMs: number) {
    super(`JOB_TIMEOUT: the job ran longer than its limit of ${limitMs / 1000} s and was stopped`);
  }
}

/** The reason a job's signal aborts when its process shuts down. */
class JobInterrupted extends Error {
  constructor() {
    super("INTERRUPTED: the process running the job shut down; the job goes back to the queue");
  }
}

export class JobRunner {
  private readonly active = new Map<string, AbortController>();
  /** Runs not yet settled, bookkeeping included (what a drain waits for). */
  private readonly pending = new Set<Promise<RunOutcome>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: JobStore,
    private readonly types: ReadonlyMap<string, JobType>,
    private readonly logger: Logger,
    heartbeatMs: number,
    /** The time limit of a job type in milliseconds (undefined: none). */
    private readonly timeoutFor: (type: string) => number | undefined = () => undefined,
  ) {
    this.timer = setInterval(() => void this.beat(), heartbeatMs).unref();
  }

  get running(): number {
    return this.active.size;
  }

  private async beat(): Promise<void> {
    try {
      const cancelled = await this.store.heartbeat([...this.active.keys()]);
      for (const id of cancelled) this.active.get(id)?.abort();
    } catch (err) {
      this.logger.warn({ err: describeError(err) }, "job heartbeat failed");
    }
  }

  /** Asks a job running in this process to stop (the handler sees its signal abort). */
  abort(id: string): void {
    this.active.get(id)?.abort();
  }

  /**
   * Waits up to `graceMs` for the running jobs to finish, then interrupts the rest: each
   * goes back to the queue. Resolves once every run has settled its row.
   */
  async drain(graceMs: number): Promise<void> {
    const settled = () => Promise.allSettled([...this.pending]);
    if (this.pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled(), new Promise((r) => (timer = setTimeout(r, Math.max(0, graceMs))))]);
    clearTimeout(timer);
    if (this.pending.size === 0) return;
    for (const [id, controller] of this.active) {
      this.logger.warn({ jobId: id, graceMs }, "shutting down: job interrupted and handed back to the queue");
      controller.abort(new JobInterrupted());
    }
    await settled();
  }

  /**
   * Runs a job this process has just claimed, in a `job <type>` span when tracing is on: a
   * child of the request that enqueued it when its trace context came along (`parent`, the
   * W3C headers stored with the job), a trace of its own otherwise.
   */
  run(job: Job, parent?: Record<string, string>): Promise<RunOutcome> {
    const p = tracingEnabled() ? this.traced(job, parent) : this.attempt(job);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
    return p;
  }

  private traced(job: Job, parent: Record<string, string> | undefined): Promise<RunOutcome> {
    const enqueuedBy = contextFrom(parent);
    const span = tracer().startSpan(
      `job ${job.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          "bulwark.job.type": job.type,
          "bulwark.job.id": job.id,
          "bulwark.job.attempt": job.attempts,
          "bulwark.job.max_attempts": job.maxAttempts,
        },
      },
      enqueuedBy,
    );
    return context
      .with(trace.setSpan(enqueuedBy, span), () => this.attempt(job))
      .then(
        (outcome) => {
          span.setAttribute("bulwark.job.outcome", outcome);
          if (outcome === "failed" || outcome === "retry") span.setStatus({ code: SpanStatusCode.ERROR });
          return outcome;
        },
        (err: unknown) => {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw err;
        },
      )
      .finally(() => span.end());
  }

  private async attempt(job: Job): Promise<RunOutcome> {
    const type = this.types.get(job.type);
    if (!type) {
      await this.store.finish(job.id, "failed", {
        error: `unknown job type "${job.type}" (is this worker up to date?)`,
      });
      return "failed";
    }
    if (job.attempts > job.maxAttempts) {
      const error = `gave up after ${job.maxAttempts} attempt(s): the process running it stopped before it finished`;
      await this.store.log(job.id, error, "error");
      await this.store.finish(job.id, "failed", { error });
      return "failed";
    }
    const controller = new AbortController();
    this.active.set(job.id, controller);
    let logs: Promise<void> = Promise.resolve();
    const log = (message: string, level: JobLogLine["level"] = "info") => {
      logs = logs.then(() => this.store.log(job.id, message, level)).catch(() => undefined);
    };
    let lastProgress = 0;
    let progressWrite: Promise<void> = Promise.resolve();
    const ctx: JobContext = {
      job,
      payload: job.payload,
      signal: controller.signal,
      log,
      progress: (fraction, message) => {
        const t = Date.now();
        if (t - lastProgress < PROGRESS_EVERY_MS && fraction < 1) return;
        lastProgress = t;
        progressWrite = progressWrite
          .then(() => this.store.progress(job.id, fraction, message))
          .catch(() => undefined);
      },
    };
    log(`attempt ${job.attempts} of ${job.maxAttempts} started on ${job.worker ?? "?"}`);
    this.logger.info({ jobId: job.id, type: job.type, attempt: job.attempts }, "job started");
    const limitMs = this.timeoutFor(job.type);
    let timer: NodeJS.Timeout | undefined;
    if (limitMs !== undefined) timer = setTimeout(() => controller.abort(new JobTimeout(limitMs)), limitMs);
    // A timeout or a shutdown settles the run at once; a cancellation waits for the handler.
    const stopped = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => {
        const reason: unknown = controller.signal.reason;
        if (reason instanceof JobTimeout || reason instanceof JobInterrupted) reject(reason);
      });
    });
    stopped.catch(() => undefined);
    try {
      const running = type.run(ctx);
      // The handler may go on a while after the limit (until it next looks at its signal);
      // its late outcome is ignored.
      running.catch(() => undefined);
      const result = await Promise.race([running, stopped]);
      await progressWrite;
      if (controller.signal.aborted) throw new Error("cancelled");
      log("finished");
      await logs;
      await this.store.finish(job.id, "succeeded", { result: result ?? null });
      this.logger.info({ jobId: job.id, type: job.type }, "job succeeded");
      return "succeeded";
    } catch (err) {
      await progressWrite;
      const message = describeError(err);
      const timeout = controller.signal.reason instanceof JobTimeout ? controller.signal.reason : undefined;
      if (timeout) {
        log(timeout.message, "error");
        await logs;
        this.logger.warn({ jobId: job.id, type: job.type, limitMs: timeout.limitMs }, "job timed out");
        await this.store.finish(job.id, "failed", { error: timeout.message });
        return "failed";
      }
      if (controller.signal.reason instanceof JobInterrupted) {
        log(`attempt ${job.attempts} interrupted: the process shut down; back to the queue`, "warn");
        await logs;
        await this.store.release(job.id, controller.signal.reason.message);
        return "interrupted";
      }
      if (controller.signal.aborted) {
        log("cancelled", "warn");
        await logs;
        await this.store.finish(job.id, "cancelled", { error: "cancelled on request" });
        return "cancelled";
      }
      log(`attempt ${job.attempts} failed: ${message}`, "error");
      await logs;
      this.logger.warn({ jobId: job.id, type: job.type, err: message }, "job attempt failed");
      if (job.attempts < job.maxAttempts) {
        await this.store.requeue(job.id, message);
        return "retry";
      }
      await this.store.finish(job.id, "failed", { error: message });
      return "failed";
    } finally {
      clearTimeout(timer);
      this.active.delete(job.id);
      this.store.forgetLogCounter(job.id);
    }
  }

  /**
   * Stops the heartbeat. Jobs still running are left as they are: if the process exits
   * before they finish, their silent heartbeat makes the next process retry them.
   */
  close(): void {
    clearInterval(this.timer);
  }
}
