/**
 * Aggregates over detection events, the same on SQLite and PostgreSQL: a summary of a
 * time range (requests, flagged share, counts by category, route and model, latency
 * percentiles, the evidence that flags most) and time series bucketed by hour, day or
 * week. The work stays in the database (counts, percentiles by rank, evidence unnested
 * from its JSON), so a range of a million events never travels to the process.
 *
 * Buckets are prefixes of the stored ISO time (`2026-12-02T01` an hour, `2026-12-02` a
 * day): every `at` is written by toISOString, so the prefix is the UTC hour or day.
 * Weeks start on Monday (UTC); counts are summed from day buckets here, a weekly
 * percentile needs the week in SQL (it cannot be made from the days' percentiles).
 * Percentiles are nearest-rank: the value at rank ceil(p·n) of the n sorted latencies.
 */
import { sql, type RawBuilder } from "kysely";
import { ValidationError } from "../core/errors.js";
import type { DatabaseHandle, Dialect } from "../db/open.js";

import { BUCKETS, GROUP_BY, METRICS, type Bucket, type GroupBy, type Metric } from "./choices.js";

export * from "./choices.js";

/** `[from, to)`: events at or after `from`, before `to` (ISO times). */
export interface Range {
  from: string;
  to: string;
}

export interface Summary {
  from: string;
  to: string;
  requests: number;
  flagged: number;
  /** flagged / requests; 0 when there were no requests. */
  flaggedRate: number;
  /** Events by verdict category; `none` counts those without one. */
  byCategory: Record<string, number>;
  byRoute: Record<string, number>;
  /** Events by `name@version` of the model that answered. */
  byModel: Record<string, number>;
  /** Milliseconds; null when there were no requests. */
  latency: { p50: number | null; p95: number | null; p99: number | null };
  /** The 10 evidence ids (`kind:id`) found most often in flagged events, most first. */
  topEvidence: { id: string; count: number }[];
}

export interface TimeseriesQuery extends Range {
  metric: Metric;
  bucket: Bucket;
  by?: GroupBy | undefined;
}

export interface TimeseriesPoint {
  /** The bucket's first instant (ISO, UTC). */
  bucket_start: string;
  value: number;
  /** The group's value (category, route or model) when grouped; `none` for no category. */
  group?: string;
}

const DAY_MS = 86_400_000;
const DEFAULT_RANGE_MS = DAY_MS;
/** The widest range per bucket: enough buckets for a chart, few enough for one answer. */
const MAX_RANGE_DAYS: Record<Bucket, number> = { hour: 366, day: 5 * 366, week: 10 * 366 };
const TOP_EVIDENCE = 10;
/** What a null category is called in grouped answers. */
const NO_CATEGORY = "none";

/**
 * The range a request asked for, checked: `to` defaults to now and `from` to 24 hours
 * before `to`; both become toISOString form, so comparing them as text compares instants.
 */
export function resolveRange(
  given: { from?: string | undefined; to?: string | undefined },
  now = Date.now(),
): Range {
  const to = given.to !== undefined ? parseInstant(given.to, "to") : now;
  const from = given.from !== undefined ? parseInstant(given.from, "from") : to - DEFAULT_RANGE_MS;
  if (from >= to) throw new ValidationError("from must be before to: give an earlier from or a later to");
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

export async function summary(handle: DatabaseHandle, given: Range): Promise<Summary> {
  const range = resolveRange(given);
  const { db } = handle;
  const inRange = db.selectFrom("detection_events").where("at", ">=", range.from).where("at", "<", range.to);
  const totals = await inRange
    .select((eb) => [
      eb.fn.countAll<number | string>().as("requests"),
      eb.fn.sum<number | string | null>("flagged").as("flagged"),
    ])
    .executeTakeFirstOrThrow();
  const requests = Number(totals.requests);
  const flagged = Number(totals.flagged ?? 0);
  const countsBy = async (column: "category" | "route" | "model") => {
    const rows = await inRange
      .select((eb) => [eb.ref(column).as("key"), eb.fn.countAll<number | string>().as("n")])
      .groupBy(column)
      .execute();
    const out: Record<string, number> = {};
    for (const r of rows) out[r.key ?? NO_CATEGORY] = Number(r.n);
    return out;
  };
  const percentile = async (p: number): Promise<number | null> => {
    if (requests === 0) return null;
    const row = await inRange
      .select("latency_ms")
      .orderBy("latency_ms")
      .limit(1)
      .offset(rankOf(p, requests) - 1)
      .executeTakeFirst();
    return row ? Number(row.latency_ms) : null;
  };
  return {
    ...range,
    requests,
    flagged,
    flaggedRate: requests === 0 ? 0 : flagged / requests,
    byCategory: await countsBy("category"),
    byRoute: await countsBy("route"),
    byModel: await countsBy("model"),
    latency: { p50: await percentile(0.5), p95: await percentile(0.95), p99: await percentile(0.99) },
    topEvidence: await topEvidence(handle, range),
  };
}

export async function timeseries(handle: DatabaseHandle, query: TimeseriesQuery): Promise<TimeseriesPoint[]> {
  const q = checkQuery(query);
  const rows =
    q.metric === "latency_p95"
      ? await p95Rows(handle, q)
      : await countRows(handle, q).then((r) => (q.bucket === "week" ? weeksOf(r) : r));
  const points = rows.map((r): TimeseriesPoint => {
    const value =
      q.metric === "requests"
        ? r.requests
        : q.metric === "flagged"
          ? r.flagged
          : q.metric === "flagged_rate"
            ? r.flagged / r.requests
            : r.value;
    return {
      bucket_start: startOf(r.key),
      value,
      ...(q.by ? { group: r.group ?? NO_CATEGORY } : {}),
    };
  });
  return points.sort(
    (a, b) => a.bucket_start.localeCompare(b.bucket_start) || (a.group ?? "").localeCompare(b.group ?? ""),
  );
}

function checkQuery(query: TimeseriesQuery): TimeseriesQuery {
  if (!(METRICS as readonly string[]).includes(query.metric))
    throw new ValidationError(`metric must be one of ${METRICS.join(", ")}`);
  if (!(BUCKETS as readonly string[]).includes(query.bucket))
    throw new ValidationError(`bucket must be one of ${BUCKETS.join(", ")}`);
  if (query.by !== undefined && !(GROUP_BY as readonly string[]).includes(query.by))
    throw new ValidationError(`by must be one of ${GROUP_BY.join(", ")}`);
  const range = resolveRange(query);
  const days = (Date.parse(range.to) - Date.parse(range.from)) / DAY_MS;
  const max = MAX_RANGE_DAYS[query.bucket];
  if (days > max)
    throw new ValidationError(
      `a range of ${Math.ceil(days)} days is too long for ${query.bucket} buckets (at most ${max}): ` +
        `shorten it or use a wider bucket`,
    );
  return { ...query, ...range };
}

/** A bucket's key in SQL: a prefix of `at`, or the Monday of its week for a weekly percentile. */
function keyOf(dialect: Dialect, bucket: Bucket): RawBuilder<string> {
  if (bucket === "hour") return sql<string>`substr(at, 1, 13)`;
  if (bucket === "day") return sql<string>`substr(at, 1, 10)`;
  return dialect === "postgres"
    ? sql<string>`to_char(date_trunc('week', substr(at, 1, 10)::date), 'YYYY-MM-DD')`
    : // 'weekday 0' moves to the Sunday ending the week (or stays on it); 6 days before is its Monday.
      sql<string>`date(substr(at, 1, 10), 'weekday 0', '-6 days')`;
}

interface CountRow {
  key: string;
  group: string | null;
  requests: number;
  flagged: number;
  value: number;
}

async function countRows(handle: DatabaseHandle, q: TimeseriesQuery): Promise<CountRow[]> {
  // Weeks are summed from days below, so the database is asked for days.
  const key = keyOf(handle.dialect, q.bucket === "week" ? "day" : q.bucket);
  const group = q.by ? sql.ref(q.by) : sql`null`;
  const r = await sql<{
    key: string;
    grp: string | null;
    requests: number | string;
    flagged: number | string;
  }>`
    select ${key} as key, ${group} as grp, count(*) as requests, sum(flagged) as flagged
    from detection_events where at >= ${q.from} and at < ${q.to}
    group by 1, 2`.execute(handle.db);
  return r.rows.map((x) => ({
    key: x.key,
    group: x.grp,
    requests: Number(x.requests),
    flagged: Number(x.flagged),
    value: 0,
  }));
}

/** Day rows summed into the weeks (Monday, UTC) that hold them. */
function weeksOf(days: CountRow[]): CountRow[] {
  const weeks = new Map<string, CountRow>();
  for (const d of days) {
    const key = mondayOf(d.key);
    const id = `${key}|${d.group ?? ""}`;
    const w = weeks.get(id) ?? { key, group: d.group, requests: 0, flagged: 0, value: 0 };
    w.requests += d.requests;
    w.flagged += d.flagged;
    weeks.set(id, w);
  }
  return [...weeks.values()];
}

export function mondayOf(day: string): string {
  const t = Date.parse(`${day}T00:00:00.000Z`);
  const sinceMonday = (new Date(t).getUTCDay() + 6) % 7;
  return new Date(t - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

/** The 95th percentile latency of each bucket (and group), ranked in the database. */
async function p95Rows(handle: DatabaseHandle, q: TimeseriesQuery): Promise<CountRow[]> {
  const key = keyOf(handle.dialect, q.bucket);
  const group = q.by ? sql.ref(q.by) : sql`null`;
  // Rank ceil(95·n/100) in integer arithmetic: SQLite may be built without ceil().
  const r = await sql<{ key: string; grp: string | null; latency_ms: number | string }>`
    select key, grp, latency_ms from (
      select ${key} as key, ${group} as grp, latency_ms,
        row_number() over (partition by ${key}, ${group} order by latency_ms) as rn,
        count(*) over (partition by ${key}, ${group}) as n
      from detection_events where at >= ${q.from} and at < ${q.to}
    ) ranked where rn = (95 * n + 99) / 100`.execute(handle.db);
  return r.rows.map((x) => ({
    key: x.key,
    group: x.grp,
    requests: 0,
    flagged: 0,
    value: Number(x.latency_ms),
  }));
}

async function topEvidence(handle: DatabaseHandle, range: Range): Promise<Summary["topEvidence"]> {
  const unnest =
    handle.dialect === "postgres"
      ? sql`cross join lateral jsonb_array_elements_text(e.evidence::jsonb) as j(value)`
      : sql`join json_each(e.evidence) as j`;
  const r = await sql<{ id: string; n: number | string }>`
    select j.value as id, count(*) as n
    from detection_events as e ${unnest}
    where e.flagged = 1 and e.at >= ${range.from} and e.at < ${range.to}
    group by j.value order by n desc, id limit ${TOP_EVIDENCE}`.execute(handle.db);
  return r.rows.map((x) => ({ id: x.id, count: Number(x.n) }));
}

/** Nearest rank (1-based) of the p-quantile among n values. */
export function rankOf(p: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(p * n - 1e-9)));
}

function startOf(key: string): string {
  return key.length === 13 ? `${key}:00:00.000Z` : `${key}T00:00:00.000Z`;
}

function parseInstant(value: string, what: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new ValidationError(`${what} is not a date: give an ISO 8601 time`);
  return t;
}
