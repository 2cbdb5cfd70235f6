/**
 * Jobs: long work (training runs, dataset imports, audit snapshots; the table is
 * `job-types.ts`) run outside the request. Their state, progress and log live in the metadata
 * database whichever queue carries them, so the API and the CLI see the same thing for
 * the in-process queue and for BullMQ workers.
 */
export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface Job {
  id: string;
  type: string;
  status: JobStatus;
  payload: unknown;
  result: unknown;
  error: string | null;
  /** 0..1 */
  progress: number;
  progressMessage: string | null;
  attempts: number;
  maxAttempts: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  worker: string | null;
  backend: "inprocess" | "bullmq";
  cancelRequested: boolean;
}

export interface JobLogLine {
  seq: number;
  ts: string;
  level: "info" | "warn" | "error";
  message: string;
}

export interface JobContext {
  job: Job;
  payload: unknown;
  /** Reports progress (0..1) and what is happening; written to the database at most twice a second. */
  progress(fraction: number, message?: string): void;
  log(message: string, level?: JobLogLine["level"]): void;
  /** Aborted when the job is cancelled; long handlers should check it. */
  signal: AbortSignal;
}

export type JobHandler = (ctx: JobContext) => Promise<unknown>;

export interface JobType {
  /** Checks and normalises the payload when the job is enqueued (throws ValidationError). */
  validate(payload: unknown): unknown;
  run: JobHandler;
}

export interface EnqueueOptions {
  createdBy: string;
  maxAttempts?: number;
}

export interface JobQueue {
  readonly kind: "inprocess" | "bullmq";
  enqueue(type: string, payload: unknown, options: EnqueueOptions): Promise<Job>;
  cancel(id: string): Promise<Job>;
  /** Starts consuming (in-process) and recovers jobs left behind by a process that died. */
  start(): Promise<void>;
  /**
   * Stops consuming. Jobs running in this process get `graceMs` (default 0) to finish;
   * the rest are interrupted and handed back to the queue.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}
