/**
 * Writes detection events in batches, off the request path. `record` only pushes a few
 * references onto an in-memory queue; every BULWARK_EVENTS_FLUSH_MS (or as soon as
 * BULWARK_EVENTS_BATCH events wait) a flush turns them into rows (redaction included) and
 * writes them in one transaction of multi-row INSERTs. A database that is slow or down
 * never slows a detection: beyond BULWARK_EVENTS_MAX_QUEUE waiting events new ones are
 * dropped and counted. A failed write is logged (never with text) and retried once at the
 * next flush; failing again, its events are dropped and counted, not lost silently.
 */
import { CompiledQuery } from "kysely";
import type { Logger } from "../../core/logger.js";
import type { DatabaseHandle } from "../../db/open.js";
import type { DetectionEventsTable } from "../../db/schema.js";
import { writeTransaction } from "../../db/transaction.js";
import type { Redactor } from "../../privacy/index.js";
import { rollupOf, writeRollup } from "./rollups.js";
import { EventLanguages } from "./language.js";
import { eventIds, eventRow, type RowContext } from "./rows.js";
import type { EventInput, EventMeters, EventRecorderSettings } from "./types.js";

/** Bound parameters per statement: SQLite's default limit (since 3.32), PostgreSQL's protocol limit. */
const PARAMETER_LIMIT = { sqlite: 32_766, postgres: 65_535 } as const;
/** The columns an event row is written with, in the order of their values. */
export const EVENT_COLUMNS = [
  "id",
  "at",
  "actor",
  "subject",
  "route",
  "request_id",
  "flagged",
  "score",
  "category",
  "evidence",
  "model",
  "latency_ms",
  "text_length",
  "text_mode",
  "text",
  "pii",
  "lang",
] as const satisfies readonly (keyof DetectionEventsTable)[];
/** Statements per flush transaction, so one flush never holds the database (or SQLite's thread) long. */
const STATEMENTS_PER_FLUSH = 8;
/**
 * Rows per statement on SQLite at most: its statements run on the event loop's thread (about
 * 40 µs a row with this table's four indexes), so a 500-row statement held every request
 * for 20 ms; 128 rows hold them for about 5, and the flush yields between statements.
 */
const SQLITE_ROWS_PER_STATEMENT = 128;

export interface EventRecorderDeps {
  db: DatabaseHandle;
  /** The configured redactor (app.privacy.redactor). */
  redactor: Redactor;
  /** The stored form of an end user's id (app.privacy.subject). */
  subject: (id: string) => string;
  settings: EventRecorderSettings;
  logger: Logger;
  meters?: EventMeters;
}

const NO_METERS: EventMeters = { written: () => {}, dropped: () => {}, flushSeconds: () => {} };

export class EventRecorder {
  private queue: EventInput[] = [];
  /** Rows of a failed write, tried once more at the next flush. */
  private retry: DetectionEventsTable[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly rows: RowContext;
  private readonly meters: EventMeters;
  private readonly languages: EventLanguages;
  private readonly rowsPerStatement: number;
  /** INSERT statements by row count (a full chunk's, and the last one's). */
  private readonly statements = new Map<number, string>();

  constructor(private readonly deps: EventRecorderDeps) {
    const s = deps.settings;
    this.rows = {
      text: s.text,
      maxTextChars: s.maxTextChars,
      redactor: deps.redactor,
      subject: deps.subject,
    };
    this.meters = deps.meters ?? NO_METERS;
    this.languages = new EventLanguages(s.langPerSecond, (err) =>
      deps.logger.warn(errorFacts(err), "detection events: no language model, events get no language"),
    );
    const sqlite = deps.db.dialect === "sqlite";
    this.rowsPerStatement = Math.max(
      1,
      Math.min(
        s.batchSize,
        sqlite ? SQLITE_ROWS_PER_STATEMENT : Infinity,
        Math.floor(PARAMETER_LIMIT[deps.db.dialect] / EVENT_COLUMNS.length),
      ),
    );
  }

  /** Events waiting to be written (a failed batch awaiting its retry included). */
  get queued(): number {
    return this.queue.length + (this.retry?.length ?? 0);
  }

  /** On the request path: a push, nothing more. Never throws, never waits. */
  record(event: EventInput): void {
    if (this.closed || this.queue.length >= this.deps.settings.maxQueue) {
      this.meters.dropped(this.closed ? "closed" : "queue_full", 1);
      return;
    }
    event.at ??= Date.now();
    this.queue.push(event);
    if (this.queue.length >= this.deps.settings.batchSize) this.soon();
    else this.timer ??= this.later();
  }

  /** Writes what waits now (and retries a failed batch); resolves once done or given up. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0 && !this.retry) return;
    this.flushing = this.writeOnce().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /** Flushes everything, a failed batch's retry included; later events are dropped and counted. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancel();
    while (this.queue.length > 0 || this.retry || this.flushing) await this.flush();
  }

  private async writeOnce(): Promise<void> {
    this.cancel();
    const again = this.retry;
    this.retry = undefined;
    if (again) {
      try {
        await this.write(again);
        this.meters.written(again.length);
      } catch (err) {
        this.meters.dropped("write_failed", again.length);
        this.deps.logger.error(
          { events: again.length, ...errorFacts(err) },
          "detection events dropped: their write failed twice",
        );
      }
    }
    const taken = this.queue.splice(0, this.takeCount());
    if (taken.length > 0) {
      const started = performance.now();
      let rows: DetectionEventsTable[] = [];
      try {
        rows = await this.rowsOf(taken);
        await this.write(rows);
        this.meters.written(rows.length);
      } catch (err) {
        if (rows.length === taken.length) this.retry = rows;
        else this.meters.dropped("write_failed", taken.length);
        this.deps.logger.warn(
          { events: taken.length, ...errorFacts(err) },
          "could not write detection events; retrying once at the next flush",
        );
      }
      this.meters.flushSeconds((performance.now() - started) / 1000);
    }
    if (this.closed) return;
    if (this.queue.length >= this.deps.settings.batchSize) this.soon();
    else if (this.queue.length > 0 || this.retry) this.timer ??= this.later();
  }

  /**
   * How many waiting events the next write takes: a flush's worth, and the rest of the
   * request the last one belongs to, so the roll-ups count each request in one write.
   */
  private takeCount(): number {
    let n = Math.min(this.queue.length, this.rowsPerStatement * STATEMENTS_PER_FLUSH);
    while (n > 0 && n < this.queue.length && this.queue[n]!.requestId === this.queue[n - 1]!.requestId) n++;
    return n;
  }

  /**
   * One transaction of multi-row INSERTs, and the hourly roll-ups they add to (so the
   * roll-ups never count an event that was not written, or miss one that was). The
   * statement text is made once per row count and the values passed flat: building the
   * same INSERT through the query builder cost about 50 µs per event, more than the
   * database's own work.
   */
  private async write(rows: DetectionEventsTable[]): Promise<void> {
    const size = this.rowsPerStatement;
    const rollup = rollupOf(rows);
    await writeTransaction(
      this.deps.db,
      async (tx) => {
        for (let i = 0; i < rows.length; i += size) {
          const chunk = rows.length <= size ? rows : rows.slice(i, i + size);
          const values: unknown[] = [];
          for (const row of chunk) for (const c of EVENT_COLUMNS) values.push(row[c]);
          await tx.executeQuery(CompiledQuery.raw(this.statement(chunk.length), values));
          if (i + size < rows.length) await yieldToRequests();
        }
        await writeRollup(tx, this.deps.db.dialect, rollup);
      },
      { attempts: 5 },
    );
  }

  /** The events' rows (redaction, language and all), a statement's worth at a time between requests. */
  private async rowsOf(events: EventInput[]): Promise<DetectionEventsTable[]> {
    const ids = eventIds(events.length);
    const lang = await this.languages.forFlush();
    const rows = new Array<DetectionEventsTable>(events.length);
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && i % this.rowsPerStatement === 0) await yieldToRequests();
      const e = events[i]!;
      rows[i] = eventRow(e, this.rows, ids[i]!, lang(e.text));
    }
    return rows;
  }

  private statement(rows: number): string {
    let text = this.statements.get(rows);
    if (text) return text;
    const pg = this.deps.db.dialect === "postgres";
    let n = 0;
    const tuple = () => `(${EVENT_COLUMNS.map(() => (pg ? `$${++n}` : "?")).join(",")})`;
    text = `insert into detection_events (${EVENT_COLUMNS.join(",")}) values ${Array.from({ length: rows }, tuple).join(",")}`;
    if (this.statements.size > 4) this.statements.clear();
    this.statements.set(rows, text);
    return text;
  }

  private later(): NodeJS.Timeout {
    const t = setTimeout(() => this.background(), this.deps.settings.flushMs);
    t.unref();
    return t;
  }

  private soon(): void {
    if (this.immediate || this.flushing) return;
    this.immediate = setImmediate(() => this.background());
  }

  private background(): void {
    this.timer = undefined;
    this.immediate = undefined;
    this.flush().catch((err: unknown) =>
      this.deps.logger.error(errorFacts(err), "detection events: the flush failed"),
    );
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}

/** Lets the requests that arrived meanwhile run (a resolved promise would not: it is a microtask). */
function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * What a log line says about a failed write: the code and message only. A database's
 * error object may carry the values it refused (PostgreSQL's `detail`), i.e. text.
 */
function errorFacts(err: unknown): { code?: string; error: string } {
  const e = err as { code?: unknown; message?: unknown };
  return {
    ...(typeof e?.code === "string" ? { code: e.code } : {}),
    error: typeof e?.message === "string" ? e.message.slice(0, 200) : String(err).slice(0, 200),
  };
}
