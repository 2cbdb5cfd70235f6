/**
 * Reading and deleting detection events, the same on SQLite and PostgreSQL: lists with
 * filters and a cursor (analytics, the dashboard), counts, and what retention (events
 * older than a date) and erasure or access requests (one subject's events) need.
 * Times are ISO strings of one width, so comparing them as text compares the instants.
 */
import type { Kysely, SelectQueryBuilder } from "kysely";
import { ValidationError } from "../../core/errors.js";
import type { Database, DetectionEventsTable } from "../../db/schema.js";
import type { DetectionEvent, EventTextMode } from "./types.js";

export interface EventFilter {
  /** Events at or after this instant (ISO). */
  from?: string | undefined;
  /** Events before this instant (ISO). */
  to?: string | undefined;
  /** A stored subject (`sub_…`: hash the user's id with app.privacy.subject first). */
  subject?: string | undefined;
  flagged?: boolean | undefined;
  route?: string | undefined;
}

export interface ListOptions extends EventFilter {
  /** At most this many (default 100, at most 1,000). */
  limit?: number | undefined;
  /** The `next` of the previous page. */
  cursor?: string | undefined;
}

export interface EventPage {
  events: DetectionEvent[];
  /** Give it back as `cursor` for the next page; absent on the last one. */
  next?: string;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1_000;

/** Newest first, a page at a time. */
export async function listEvents(db: Kysely<Database>, options: ListOptions = {}): Promise<EventPage> {
  const limit = Math.min(Math.max(1, Math.floor(options.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
  let q = filtered(db.selectFrom("detection_events").selectAll(), options);
  if (options.cursor) {
    const { at, id } = parseCursor(options.cursor);
    q = q.where((eb) => eb.or([eb("at", "<", at), eb.and([eb("at", "=", at), eb("id", "<", id)])]));
  }
  const rows = await q
    .orderBy("at", "desc")
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map(toEvent),
    ...(rows.length > limit && last ? { next: cursorOf(last) } : {}),
  };
}

export async function countEvents(db: Kysely<Database>, filter: EventFilter = {}): Promise<number> {
  const row = await filtered(
    db.selectFrom("detection_events").select((eb) => eb.fn.countAll<number | string>().as("n")),
    filter,
  ).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Retention: deletes the events older than `isoDate`; returns how many. */
export async function deleteEventsBefore(db: Kysely<Database>, isoDate: string): Promise<number> {
  const r = await db
    .deleteFrom("detection_events")
    .where("at", "<", instant(isoDate, "date"))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** An access request: every event of one stored subject (`sub_…`), oldest first. */
export async function eventsOfSubject(db: Kysely<Database>, subjectHash: string): Promise<DetectionEvent[]> {
  const rows = await db
    .selectFrom("detection_events")
    .selectAll()
    .where("subject", "=", subjectHash)
    .orderBy("at")
    .orderBy("id")
    .execute();
  return rows.map(toEvent);
}

/** Erasure: deletes every event of one stored subject (`sub_…`); returns how many. */
export async function deleteEventsOfSubject(db: Kysely<Database>, subjectHash: string): Promise<number> {
  const r = await db.deleteFrom("detection_events").where("subject", "=", subjectHash).executeTakeFirst();
  return Number(r.numDeletedRows);
}

function filtered<O>(
  q: SelectQueryBuilder<Database, "detection_events", O>,
  f: EventFilter,
): SelectQueryBuilder<Database, "detection_events", O> {
  if (f.from) q = q.where("at", ">=", instant(f.from, "from"));
  if (f.to) q = q.where("at", "<", instant(f.to, "to"));
  if (f.subject) q = q.where("subject", "=", f.subject);
  if (f.flagged !== undefined) q = q.where("flagged", "=", f.flagged ? 1 : 0);
  if (f.route) q = q.where("route", "=", f.route);
  return q;
}

/** An instant as stored (`toISOString`), so text comparison is time comparison. */
function instant(value: string, what: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new ValidationError(`${what} is not a date: give an ISO 8601 time`);
  return new Date(t).toISOString();
}

function cursorOf(row: DetectionEventsTable): string {
  return Buffer.from(`${row.at}|${row.id}`).toString("base64url");
}

function parseCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!at || !id || Number.isNaN(Date.parse(at)))
    throw new ValidationError("cursor is not one this list gave: start again without it");
  return { at, id };
}

export function toEvent(row: DetectionEventsTable): DetectionEvent {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    subject: row.subject,
    route: row.route,
    requestId: row.request_id,
    flagged: Number(row.flagged) === 1,
    score: Number(row.score),
    category: row.category,
    evidence: JSON.parse(row.evidence) as string[],
    model: row.model,
    latencyMs: Number(row.latency_ms),
    textLength: Number(row.text_length),
    textMode: row.text_mode as EventTextMode,
    text: row.text,
    pii: JSON.parse(row.pii) as Record<string, number>,
    lang: row.lang ?? null,
  };
}
