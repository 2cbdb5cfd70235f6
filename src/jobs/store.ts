/**
 * Job rows and job logs in the metadata database. Messages, errors and logs are stored
 * with URLs masked (`core/redact.ts`); `publicJob` is a job as it may be shown.
 */
import { newId } from "../db/ids.js";
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import { NotFoundError } from "../core/errors.js";
import { redactDeep, redactText } from "../core/redact.js";
import type { Database } from "../db/schema.js";
import type { JobsTable } from "../db/schema-auth.js";
import type { Job, JobLogLine, JobStatus } from "./types.js";

export const WORKER_ID = `${hostname()}:${process.pid}`;

function parse(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

export function toJob(row: JobsTable): Job {
  return {
    id: row.id,
    type: row.type,
    status: row.status as JobStatus,
    payload: parse(row.payload),
    result: parse(row.result),
    error: row.error,
    progress: Number(row.progress),
    progressMessage: row.progress_message,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    heartbeatAt: row.heartbeat_at,
    worker: row.worker,
    backend: row.backend as Job["backend"],
    cancelRequested: Number(row.cancel_requested) === 1,
  };
}

const now = () => new Date().toISOString();

/**
 * A job as the API and the CLI may show it: URLs masked wherever they appear, and no
 * `sealed` payload field (ciphertext only its handler opens, e.g. an import's credentials).
 */
export function publicJob(job: Job): Job {
  let payload = job.payload;
  if (payload && typeof payload === "object" && !Array.isArray(payload) && "sealed" in payload) {
    const { sealed: _sealed, ...rest } = payload as Record<string, unknown>;
    payload = rest;
  }
  return {
    ...job,
    payload: redactDeep(payload),
    result: redactDeep(job.result),
    error: job.error === null ? null : redactText(job.error),
    progressMessage: job.progressMessage === null ? null : redactText(job.progressMessage),
  };
}

export interface JobFilter {
  status?: JobStatus;
  type?: string;
  limit?: number;
  /** Only jobs created before this id's creation (pagination, newest first). */
  before?: string;
}

export class JobStore {
  private readonly logSeq = new Map<string, number>();

  constructor(readonly db: Kysely<Database>) {}

  async create(input: {
    type: string;
    payload: unknown;
    createdBy: string;
    maxAttempts: number;
    backend: Job["backend"];
  }): Promise<Job> {
    const t = now();
    const row: JobsTable = {
      id: newId("job"),
      type: input.type,
      status: "queued",
      payload: JSON.stringify(input.payload ?? null),
      result: null,
      error: null,
      progress: 0,
      progress_message: null,
      attempts: 0,
      max_attempts: input.maxAttempts,
      created_by: input.createdBy,
      created_at: t,
      updated_at: t,
      started_at: null,
      finished_at: null,
      heartbeat_at: null,
      worker: null,
      backend: input.backend,
      cancel_requested: 0,
    };
    await this.db.insertInto("jobs").values(row).execute();
    return publicJob(toJob(row));
  }

  async find(id: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toJob(row) : undefined;
  }

  async get(id: string): Promise<Job> {
    const job = await this.find(id);
    if (!job) throw new NotFoundError(`job "${id}"`);
    return job;
  }

  async list(filter: JobFilter = {}): Promise<Job[]> {
    let q = this.db.selectFrom("jobs").selectAll();
    if (filter.status) q = q.where("status", "=", filter.status);
    if (filter.type) q = q.where("type", "=", filter.type);
    if (filter.before) {
      const ref = await this.find(filter.before);
      if (ref) q = q.where("created_at", "<", ref.createdAt);
    }
    const rows = await q
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(filter.limit ?? 50)
      .execute();
    return rows.map(toJob);
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const rows = await this.db
      .selectFrom("jobs")
      .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("status")
      .execute();
    const out: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const r of rows) if (r.status in out) out[r.status as JobStatus] = Number(r.n);
    return out;
  }

  /**
   * Claims a job for this process: queued -> running (or running -> running again for a
   * retry after a dead worker), counting the attempt. False if another process has it.
   */
  async claim(id: string, options: { fromRunning?: boolean } = {}): Promise<Job | undefined> {
    const t = now();
    const from = options.fromRunning ? ["queued", "running"] : ["queued"];
    const r = await this.db
      .updateTable("jobs")
      .set((eb) => ({
        status: "running",
        attempts: eb("attempts", "+", 1),
        started_at: t,
        heartbeat_at: t,
        updated_at: t,
        worker: WORKER_ID,
        error: null,
      }))
      .where("id", "=", id)
      .where("status", "in", from)
      .where("cancel_requested", "=", 0)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return undefined;
    return this.get(id);
  }

  async heartbeat(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const t = now();
    await this.db
      .updateTable("jobs")
      .set({ heartbeat_at: t })
      .where("id", "in", ids)
      .where("status", "=", "running")
      .execute();
    const cancelled = await this.db
      .selectFrom("jobs")
      .select("id")
      .where("id", "in", ids)
      .where("cancel_requested", "=", 1)
      .execute();
    return new Set(cancelled.map((r) => r.id));
  }

  async progress(id: string, fraction: number, message: string | undefined): Promise<void> {
    await this.db
      .updateTable("jobs")
      .set({
        progress: Math.max(0, Math.min(1, fraction)),
        ...(message !== undefined ? { progress_message: redactText(message).slice(0, 500) } : {}),
        updated_at: now(),
      })
      .where("id", "=", id)
      .where("status", "=", "running")
      .execute();
  }

  async finish(
    id: string,
    status: "succeeded" | "failed" | "cancelled",
    outcome: { result?: unknown; error?: string },
  ): Promise<void> {
    const t = now();
    await this.db
      .updateTable("jobs")
      .set({
        status,
        ...(status === "succeeded" ? { progress: 1 } : {}),
        result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
        error: outcome.error === undefined ? null : redactText(outcome.error),
        finished_at: t,
        updated_at: t,
      })
      .where("id", "=", id)
      .execute();
  }

  /** Back to the queue for another attempt (after a failure with attempts left, or a dead worker). */
  async requeue(id: string, error: string): Promise<void> {
    await this.db
      .updateTable("jobs")
      .set({ status: "queued", error: redactText(error), updated_at: now(), worker: null })
      .where("id", "=", id)
      .where("status", "in", ["queued", "running"])
      .execute();
  }

  /**
   * Hands a running job back to the queue without spending its attempt: this process is
   * shutting down and stopped the job, which did not fail.
   */
  async release(id: string, why: string): Promise<void> {
    await this.db
      .updateTable("jobs")
      .set((eb) => ({
        status: "queued",
        attempts: eb("attempts", "-", 1),
        error: redactText(why),
        updated_at: now(),
        worker: null,
      }))
      .where("id", "=", id)
      .where("status", "=", "running")
      .where("attempts", ">", 0)
      .execute();
  }

  async requestCancel(id: string): Promise<Job> {
    const job = await this.get(id);
    if (job.status === "queued") {
      await this.db
        .updateTable("jobs")
        .set({ status: "cancelled", cancel_requested: 1, finished_at: now(), updated_at: now() })
        .where("id", "=", id)
        .where("status", "=", "queued")
        .execute();
    } else if (job.status === "running") {
      await this.db
        .updateTable("jobs")
        .set({ cancel_requested: 1, updated_at: now() })
        .where("id", "=", id)
        .execute();
    }
    return this.get(id);
  }

  /** Running jobs of a backend whose process stopped sending heartbeats before `staleBefore`. */
  async stale(backend: Job["backend"], staleBefore: Date): Promise<Job[]> {
    const rows = await this.db
      .selectFrom("jobs")
      .selectAll()
      .where("backend", "=", backend)
      .where("status", "=", "running")
      .where("heartbeat_at", "<", staleBefore.toISOString())
      .execute();
    return rows.map(toJob);
  }

  async queued(backend: Job["backend"]): Promise<Job[]> {
    const rows = await this.db
      .selectFrom("jobs")
      .selectAll()
      .where("backend", "=", backend)
      .where("status", "=", "queued")
      .orderBy("created_at")
      .execute();
    return rows.map(toJob);
  }

  async log(id: string, message: string, level: JobLogLine["level"] = "info"): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let seq = this.logSeq.get(id);
      if (seq === undefined) {
        const last = await this.db
          .selectFrom("job_logs")
          .select((eb) => eb.fn.max("seq").as("m"))
          .where("job_id", "=", id)
          .executeTakeFirst();
        seq = Number(last?.m ?? 0);
      }
      seq++;
      this.logSeq.set(id, seq);
      try {
        await this.db
          .insertInto("job_logs")
          .values({ job_id: id, seq, ts: now(), level, message: redactText(message).slice(0, 4000) })
          .execute();
        return;
      } catch {
        // Another process logged for this job (a retry elsewhere): re-read the last number.
        this.logSeq.delete(id);
      }
    }
  }

  forgetLogCounter(id: string): void {
    this.logSeq.delete(id);
  }

  async logs(id: string, afterSeq = 0, limit = 500): Promise<JobLogLine[]> {
    const rows = await this.db
      .selectFrom("job_logs")
      .selectAll()
      .where("job_id", "=", id)
      .where("seq", ">", afterSeq)
      .orderBy("seq")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      ts: r.ts,
      level: r.level as JobLogLine["level"],
      message: r.message,
    }));
  }
}
