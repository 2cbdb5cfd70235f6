/**
 * Runs the shadow model beside production, off the request path. On the request path a
 * sampled text costs one random draw and one push of references onto a bounded queue (full:
 * dropped and counted); the scoring, the row (subject hash, redaction of a disagreement's
 * text) and the write happen later, a few texts per turn of the event loop (setImmediate),
 * so requests that arrive meanwhile run between them; rows are written in batches, at most
 * WRITE_MS after they were made (one INSERT per sampled text cost more than its scoring).
 * Large texts (as large as the detection pool takes) are scored by a worker thread of their
 * own when the server has a pool and the shadow model is a built-in one. A slow or failing
 * shadow model or database never changes an answer: its work is dropped and counted, never
 * retried on the request path.
 *
 * The setting is re-read from the database every BULWARK_MODEL_POLL_INTERVAL seconds (as
 * the production model is), and at once on the replica that changed it, so every replica
 * follows one `PUT /v1/shadow`.
 */
import { performance } from "node:perf_hooks";
import type { Logger } from "../../core/logger.js";
import type { DatabaseHandle } from "../../db/open.js";
import type { ShadowResultsTable } from "../../db/schema.js";
import { scanDocument } from "../../detect/document-scan.js";
import type { Detector, Verdict } from "../../detect/types.js";
import type { Redactor } from "../../privacy/index.js";
import { eventIds, keptText } from "../events/rows.js";
import { effectiveShadow, readStoredShadow } from "./config.js";
import type {
  ShadowChoice,
  ShadowDropReason,
  ShadowInput,
  ShadowMeters,
  ShadowOffload,
  ShadowRunnerSettings,
  ShadowSetting,
  ShadowStatus,
} from "./types.js";

/** Texts scored per turn of the event loop, and the longest a turn may score for. */
const TEXTS_PER_TURN = 16;
const TURN_MS = 4;
/** Rows per INSERT (19 columns: well within both databases' parameter limits). */
const ROWS_PER_WRITE = 200;
/** Longest a scored row waits in memory before it is written. */
const WRITE_MS = 250;

export interface ShadowRunnerDeps {
  db: DatabaseHandle;
  redactor: Redactor;
  subject: (id: string) => string;
  settings: ShadowRunnerSettings;
  logger: Logger;
  /** A registry version, loaded and wrapped in its detector (loader.ts). */
  load: (ref: string) => Promise<Detector>;
  /** BULWARK_SHADOW and BULWARK_SHADOW_SAMPLE: what runs when no setting is stored. */
  fromEnv?: ShadowChoice | undefined;
  meters?: ShadowMeters;
  /** Worker threads for large texts (the server's); without one, everything is scored here. */
  offload?: ShadowOffload | undefined;
}

interface Active {
  setting: ShadowSetting;
  ref: string;
  detector: Detector;
}

const NO_METERS: ShadowMeters = { compared: () => {}, dropped: () => {}, scoreSeconds: () => {} };

export class ShadowRunner {
  private active: Active | undefined;
  private setting: ShadowSetting | undefined;
  private error: string | null = null;
  private queue: ShadowInput[] = [];
  private rows: ShadowResultsTable[] = [];
  private immediate: NodeJS.Immediate | undefined;
  private draining: Promise<void> | undefined;
  private writing: Promise<void> | undefined;
  private writeTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private closed = false;
  private readonly meters: ShadowMeters;

  constructor(private readonly deps: ShadowRunnerDeps) {
    this.meters = deps.meters ?? NO_METERS;
  }

  /** The share of texts sampled now (0: no shadow model, or none loaded here). */
  get sample(): number {
    return this.active?.setting.sample ?? 0;
  }

  get queued(): number {
    return this.queue.length + this.rows.length;
  }

  /** On the request path: whether this text is sampled (one random draw). */
  sampled(): boolean {
    const s = this.sample;
    return s > 0 && (s >= 1 || Math.random() < s);
  }

  /** On the request path: a push, nothing more. Never throws, never waits. */
  offer(input: ShadowInput): void {
    if (this.closed || this.queue.length >= this.deps.settings.maxQueue) {
      this.meters.dropped(this.closed ? "closed" : "queue_full", 1);
      return;
    }
    this.queue.push(input);
    this.soon();
  }

  status(): ShadowStatus {
    return {
      setting: this.setting ?? null,
      active: this.active?.ref ?? null,
      error: this.error,
      queued: this.queued,
    };
  }

  /** Reads the setting in force and loads its version when it changed; a failed load leaves no shadow model. */
  refresh(): Promise<void> {
    // After any read in flight (it may predate the change the caller just stored), read again.
    const run = (this.refreshing ?? Promise.resolve()).catch(() => undefined).then(() => this.reload());
    const tracked: Promise<void> = run.finally(() => {
      if (this.refreshing === tracked) this.refreshing = undefined;
    });
    this.refreshing = tracked;
    return tracked;
  }

  private async reload(): Promise<void> {
    const setting = effectiveShadow(await readStoredShadow(this.deps.db), this.deps.fromEnv);
    this.setting = setting;
    if (!setting) {
      if (this.active) this.deps.logger.info({ shadow: this.active.ref }, "shadow model cleared");
      this.active = undefined;
      this.error = null;
      await this.offloadTo(undefined);
      return;
    }
    const ref = `${setting.model}@${setting.version}`;
    if (this.active?.ref === ref) {
      this.active = { ...this.active, setting };
      return;
    }
    try {
      const detector = await this.deps.load(ref);
      await this.offloadTo(detector);
      this.active = { setting, ref, detector };
      this.error = null;
      this.deps.logger.info(
        { shadow: ref, sample: setting.sample, source: setting.source },
        "shadow model loaded",
      );
    } catch (err) {
      this.active = undefined;
      this.error = err instanceof Error ? err.message : String(err);
      this.deps.logger.warn({ shadow: ref, error: this.error }, "could not load the shadow model; none runs");
    }
  }

  /** Until the workers hold the detector, large texts are scored here: never an error. */
  private async offloadTo(detector: Detector | undefined): Promise<void> {
    try {
      await this.deps.offload?.use(detector);
    } catch (err) {
      this.deps.logger.warn(
        { error: String(err).slice(0, 200) },
        "the shadow model's worker could not load it; large texts are scored on the main thread",
      );
    }
  }

  /** Re-reads the setting every `seconds`, so a change made on another replica takes effect here. */
  startPolling(seconds: number): void {
    if (seconds <= 0) return;
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.deps.logger.warn({ error: String(err) }, "could not read the shadow setting"),
      );
    }, seconds * 1000);
    this.timer.unref();
  }

  /** Scores and writes everything waiting (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
    while (this.queue.length > 0) {
      this.draining = this.drainAll();
      await this.draining.finally(() => (this.draining = undefined));
    }
    if (this.writeTimer) clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    while (this.writing) await this.writing;
    if (this.rows.length > 0) await this.write();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    await this.deps.offload?.close();
  }

  private soon(): void {
    if (this.immediate || this.draining) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.draining = this.drainAll()
        .catch((err: unknown) => this.deps.logger.error({ error: String(err) }, "shadow: the drain failed"))
        .finally(() => (this.draining = undefined));
    });
  }

  /** A few texts per turn, yielding between turns; a full batch of rows written at once, the rest soon. */
  private async drainAll(): Promise<void> {
    while (this.queue.length > 0) {
      const started = performance.now();
      for (let n = 0; n < TEXTS_PER_TURN && this.queue.length > 0; n++) {
        await this.scoreOne(this.queue.shift()!);
        if (performance.now() - started > TURN_MS) break;
      }
      if (this.rows.length >= ROWS_PER_WRITE) await this.write();
      if (this.queue.length > 0) await yieldToRequests();
    }
    if (this.rows.length > 0 && !this.writeTimer) {
      this.writeTimer = setTimeout(() => {
        this.writeTimer = undefined;
        void this.write();
      }, WRITE_MS);
      this.writeTimer.unref();
    }
  }

  private async scoreOne(input: ShadowInput): Promise<void> {
    const active = this.active;
    if (!active) return this.meters.dropped("cleared", 1);
    let verdict: Verdict;
    const started = performance.now();
    try {
      const elsewhere = this.deps.offload?.score(input.route, input.text, active.detector);
      verdict = elsewhere
        ? await elsewhere
        : input.route === "scan"
          ? (await scanDocument(active.detector, input.text, { evidence: false })).verdict
          : await active.detector.detect(input.text, { evidence: false });
    } catch (err) {
      this.meters.dropped("score_failed", 1);
      this.deps.logger.warn(
        { shadow: active.ref, error: String(err).slice(0, 200) },
        "shadow scoring failed",
      );
      return;
    }
    const seconds = (performance.now() - started) / 1000;
    this.meters.scoreSeconds(seconds);
    const agree = verdict.flagged === input.production.flagged;
    this.meters.compared(agree);
    this.rows.push(this.rowOf(input, active.ref, verdict, seconds * 1000, agree));
  }

  private rowOf(
    input: ShadowInput,
    shadowRef: string,
    v: Verdict,
    latencyMs: number,
    agree: boolean,
  ): ShadowResultsTable {
    const s = this.deps.settings;
    const kept =
      !agree && s.text !== "none"
        ? keptText(input.text, { text: s.text, maxTextChars: s.maxTextChars, redactor: this.deps.redactor })
        : undefined;
    const p = input.production;
    return {
      id: "",
      at: new Date(input.at).toISOString(),
      request_id: input.requestId,
      actor: input.actor,
      subject: input.subject ? this.deps.subject(input.subject) : null,
      route: input.route,
      text_length: input.text.length,
      production_model: `${p.model.name}@${p.model.version}`,
      production_flagged: p.flagged ? 1 : 0,
      production_score: p.score,
      production_category: p.category,
      shadow_model: shadowRef,
      shadow_flagged: v.flagged ? 1 : 0,
      shadow_score: v.score,
      shadow_category: v.category,
      shadow_latency_ms: latencyMs,
      text_mode: s.text,
      // PostgreSQL's text cannot hold NUL.
      text: kept ? kept.text.replace(/\0/g, "\ufffd") : null,
    };
  }

  /** Writes the rows made so far (one write at a time); never throws. */
  private async write(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.rows.length === 0) return;
    this.writing = this.insert(this.rows.splice(0)).finally(() => (this.writing = undefined));
    await this.writing;
  }

  private async insert(rows: ShadowResultsTable[]): Promise<void> {
    const ids = eventIds(rows.length);
    rows.forEach((r, i) => (r.id = `shd${ids[i]!.slice(3)}`));
    try {
      for (let i = 0; i < rows.length; i += ROWS_PER_WRITE)
        await this.deps.db.db
          .insertInto("shadow_results")
          .values(rows.slice(i, i + ROWS_PER_WRITE))
          .execute();
    } catch (err) {
      this.meters.dropped("write_failed", rows.length);
      const e = err as { message?: unknown };
      this.deps.logger.warn(
        { rows: rows.length, error: typeof e?.message === "string" ? e.message.slice(0, 200) : "?" },
        "shadow results dropped: their write failed",
      );
    }
  }
}

/** Lets the requests that arrived meanwhile run (a resolved promise would not: it is a microtask). */
function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export type { ShadowDropReason };
