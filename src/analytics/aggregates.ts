/**
 * Aggregates over detection events, the same on SQLite and PostgreSQL, read from the
 * hourly and daily roll-ups the event writer keeps (events/rollups.ts): a summary of a time range
 * (requests, flagged share, counts by category, route, model and key, latency
 * percentiles and the share under 10 ms, the evidence that flags most, the obfuscation
 * techniques seen) and time series bucketed by hour, day or week. A month of a million
 * events is a few thousand roll-up rows, summed in the database: a range reads day
 * roll-ups for the whole days it covers and hour roll-ups at its edges.
 *
 * Ranges are whole UTC hours: a range is widened to the hours that hold it (from down to
 * its hour, to up to the next), and every answer says which range it covered.
 * Weeks start on Monday (UTC) and are summed here from days. Percentiles come from the
 * latency histograms (40 bins a decade): each is its bin's upper edge, at most 6% above
 * the exact nearest-rank value and never below it.
 */
import { sql } from "kysely";
import { ValidationError } from "../core/errors.js";
import type { DatabaseHandle } from "../db/open.js";
import { histogramQuantile, shareBelow } from "./events/latency-bins.js";
import {
  ALL,
  GRAIN_CHARS,
  LATENCY_DIMENSIONS,
  periodOf,
  type CountDimension,
  type Grain,
} from "./events/rollups.js";
import { BUCKETS, GROUP_BY, METRICS, type Bucket, type GroupBy, type Metric } from "./choices.js";

export * from "./choices.js";

/** `[from, to)`: events at or after `from`, before `to` (ISO times). */
export interface Range {
  from: string;
  to: string;
}

export interface Summary {
  /** The range covered: the one asked for, widened to whole UTC hours. */
  from: string;
  to: string;
  /** Screened texts (a batch counts each of its texts). */
  requests: number;
  flagged: number;
  /** flagged / requests; 0 when there were no requests. */
  flaggedRate: number;
  /** Detection calls (a batch is one), and those whose answer held a flagged verdict. */
  answers: { requests: number; flagged: number };
  /** Events by verdict category; `none` counts those without one. */
  byCategory: Record<string, number>;
  byRoute: Record<string, number>;
  /** Events by `name@version` of the model that answered. */
  byModel: Record<string, number>;
  /** Events by the text's language (ISO 639 code; `none` when not identified). */
  byLanguage: Record<string, number>;
  /** The 10 API keys or users that sent most texts, most first, with their names when they still exist. */
  topKeys: { key: string; name: string | null; requests: number; flagged: number }[];
  /** Milliseconds (histogram upper edges); null when there were no requests. */
  latency: { p50: number | null; p95: number | null; p99: number | null; under10msShare: number | null };
  /** The 10 evidence ids (`kind:id`) found most often in flagged events, most first. */
  topEvidence: { id: string; count: number }[];
  /** The 10 obfuscation signals and payload decoders (`obfuscation:…`, `payload:…`) seen most often. */
  topTechniques: { id: string; requests: number; flagged: number }[];
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
  /** The group's value (category, route, model, key or evidence id) when grouped; `none` for no category. */
  group?: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const DEFAULT_RANGE_MS = DAY_MS;
/** The widest range per bucket: enough buckets for a chart, few enough for one answer. */
const MAX_RANGE_DAYS: Record<Bucket, number> = { hour: 366, day: 5 * 366, week: 10 * 366 };
const TOP = 10;
const SLO_MS = 10;
const TECHNIQUE = /^(obfuscation|payload):/;
const LATENCY_METRICS: Partial<Record<Metric, number>> = {
  latency_p50: 0.5,
  latency_p95: 0.95,
  latency_p99: 0.99,
};

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

/** A range widened to whole UTC hours: what the roll-ups can answer exactly. */
export function hourRange(range: Range): Range {
  const from = Math.floor(Date.parse(range.from) / HOUR_MS) * HOUR_MS;
  const to = Math.ceil(Date.parse(range.to) / HOUR_MS) * HOUR_MS;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

export async function summary(handle: DatabaseHandle, given: Range): Promise<Summary> {
  const range = hourRange(resolveRange(given));
  const counts = (dimension: CountDimension) => countsOf(handle, dimension, range);
  const [all, answers, byCategory, byRoute, byModel, byLanguage, byKey, evidence, bins] = await Promise.all([
    counts("all"),
    counts("request"),
    counts("category"),
    counts("route"),
    counts("model"),
    counts("lang"),
    counts("key"),
    counts("evidence"),
    binsOf(handle, range),
  ]);
  const total = all.get(ALL) ?? { requests: 0, flagged: 0 };
  const requestsOf = (m: Map<string, Cell>) => Object.fromEntries([...m].map(([k, c]) => [k, c.requests]));
  const top = [...byKey].sort((a, b) => b[1].requests - a[1].requests || cmp(a[0], b[0])).slice(0, TOP);
  const names = await keyNames(
    handle,
    top.map(([k]) => k),
  );
  return {
    ...range,
    requests: total.requests,
    flagged: total.flagged,
    flaggedRate: total.requests === 0 ? 0 : total.flagged / total.requests,
    answers: answers.get(ALL) ?? { requests: 0, flagged: 0 },
    byCategory: requestsOf(byCategory),
    byRoute: requestsOf(byRoute),
    byModel: requestsOf(byModel),
    byLanguage: requestsOf(byLanguage),
    topKeys: top.map(([key, c]) => ({ key, name: names.get(key) ?? null, ...c })),
    latency: {
      p50: histogramQuantile(bins, 0.5),
      p95: histogramQuantile(bins, 0.95),
      p99: histogramQuantile(bins, 0.99),
      under10msShare: shareBelow(bins, SLO_MS),
    },
    topEvidence: [...evidence]
      .filter(([, c]) => c.flagged > 0)
      .sort((a, b) => b[1].flagged - a[1].flagged || cmp(a[0], b[0]))
      .slice(0, TOP)
      .map(([id, c]) => ({ id, count: c.flagged })),
    topTechniques: [...evidence]
      .filter(([id]) => TECHNIQUE.test(id))
      .sort((a, b) => b[1].requests - a[1].requests || cmp(a[0], b[0]))
      .slice(0, TOP)
      .map(([id, c]) => ({ id, ...c })),
  };
}

export async function timeseries(handle: DatabaseHandle, query: TimeseriesQuery): Promise<TimeseriesPoint[]> {
  const q = checkQuery(query);
  const dimension: CountDimension = q.by ?? "all";
  const quantile = LATENCY_METRICS[q.metric];
  const latency = quantile !== undefined || q.metric === "under_10ms_share";
  const points: TimeseriesPoint[] = [];
  const point = (key: string, group: string, value: number) =>
    points.push({ bucket_start: startOf(key), value, ...(q.by ? { group } : {}) });
  if (latency) {
    for (const [id, bins] of await sumBins(handle, dimension, q, q.bucket)) {
      const [key, group] = split(id);
      const value = quantile !== undefined ? histogramQuantile(bins, quantile) : shareBelow(bins, SLO_MS);
      if (value !== null) point(key, group, value);
    }
  } else {
    for (const [id, c] of await sumCounts(handle, dimension, q, q.bucket)) {
      const [key, group] = split(id);
      const value =
        q.metric === "requests" ? c.requests : q.metric === "flagged" ? c.flagged : c.flagged / c.requests;
      point(key, group, value);
    }
  }
  return points.sort((a, b) => cmp(a.bucket_start, b.bucket_start) || cmp(a.group ?? "", b.group ?? ""));
}

function checkQuery(query: TimeseriesQuery): TimeseriesQuery {
  if (!(METRICS as readonly string[]).includes(query.metric))
    throw new ValidationError(`metric must be one of ${METRICS.join(", ")}`);
  if (!(BUCKETS as readonly string[]).includes(query.bucket))
    throw new ValidationError(`bucket must be one of ${BUCKETS.join(", ")}`);
  if (query.by !== undefined && !(GROUP_BY as readonly string[]).includes(query.by))
    throw new ValidationError(`by must be one of ${GROUP_BY.join(", ")}`);
  const latency = query.metric.startsWith("latency_") || query.metric === "under_10ms_share";
  if (latency && query.by !== undefined && !(LATENCY_DIMENSIONS as readonly string[]).includes(query.by))
    throw new ValidationError(
      `latency is kept by ${LATENCY_DIMENSIONS.filter((d) => d !== "all").join(", ")}, not by ${query.by}: ` +
        `choose one of those or a count metric`,
    );
  const range = hourRange(resolveRange(query));
  const days = (Date.parse(range.to) - Date.parse(range.from)) / DAY_MS;
  const max = MAX_RANGE_DAYS[query.bucket];
  if (days > max)
    throw new ValidationError(
      `a range of ${Math.ceil(days)} days is too long for ${query.bucket} buckets (at most ${max}): ` +
        `shorten it or use a wider bucket`,
    );
  return { ...query, ...range };
}

interface Cell {
  requests: number;
  flagged: number;
}

/** A stretch of periods of one grain, `[from, to)`, as the roll-ups store them. */
interface Segment {
  grain: Grain;
  from: string;
  to: string;
}

/**
 * The roll-up periods that make up a range of whole hours: the whole UTC days inside it
 * from the day roll-ups, the hours before the first and after the last from the hour
 * roll-ups. Hour buckets need hours throughout.
 */
function segmentsOf(range: Range, bucket?: Bucket): Segment[] {
  const hour = (t: number) => periodOf(new Date(t).toISOString(), "hour");
  const day = (t: number) => periodOf(new Date(t).toISOString(), "day");
  const from = Date.parse(range.from);
  const to = Date.parse(range.to);
  const firstDay = Math.ceil(from / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(to / DAY_MS) * DAY_MS;
  if (bucket === "hour" || firstDay >= lastDay) return [{ grain: "hour", from: hour(from), to: hour(to) }];
  const segments: Segment[] = [{ grain: "day", from: day(firstDay), to: day(lastDay) }];
  if (from < firstDay) segments.push({ grain: "hour", from: hour(from), to: hour(firstDay) });
  if (lastDay < to) segments.push({ grain: "hour", from: hour(lastDay), to: hour(to) });
  return segments;
}

/**
 * How much of a period names a bucket: all of an hour for hour buckets, its day for days
 * and weeks (weeks are summed from days here), nothing for a summary (one bucket).
 */
function keyChars(bucket: Bucket | undefined): number {
  return bucket === undefined ? 0 : bucket === "hour" ? GRAIN_CHARS.hour : GRAIN_CHARS.day;
}

/** A bucket's key for a period's prefix (the Monday of its week for weekly buckets). */
function keyFor(bucket: Bucket | undefined, prefix: string): string {
  return bucket === "week" ? mondayOf(prefix) : prefix;
}

/** Counts by bucket (none for a summary) and dimension value, summed over the range's segments. */
async function sumCounts(
  handle: DatabaseHandle,
  dimension: CountDimension,
  range: Range,
  bucket?: Bucket,
): Promise<Map<string, Cell>> {
  const out = new Map<string, Cell>();
  for (const seg of segmentsOf(range, bucket)) {
    const r = await sql<{ key: string; value: string; requests: number | string; flagged: number | string }>`
      select substr(period, 1, ${keyChars(bucket)}) as key, value,
        sum(requests) as requests, sum(flagged) as flagged
      from event_rollups
      where grain = ${seg.grain} and dimension = ${dimension} and period >= ${seg.from} and period < ${seg.to}
      group by 1, 2`.execute(handle.db);
    for (const row of r.rows) {
      const id = join(keyFor(bucket, row.key), row.value);
      const cell = out.get(id) ?? { requests: 0, flagged: 0 };
      cell.requests += Number(row.requests);
      cell.flagged += Number(row.flagged);
      out.set(id, cell);
    }
  }
  return out;
}

/** Latency histograms by bucket (none for a summary) and dimension value. */
async function sumBins(
  handle: DatabaseHandle,
  dimension: CountDimension,
  range: Range,
  bucket?: Bucket,
): Promise<Map<string, Map<number, number>>> {
  const out = new Map<string, Map<number, number>>();
  for (const seg of segmentsOf(range, bucket)) {
    const r = await sql<{ key: string; value: string; bin: number | string; n: number | string }>`
      select substr(period, 1, ${keyChars(bucket)}) as key, value, bin, sum(n) as n
      from event_latency_rollups
      where grain = ${seg.grain} and dimension = ${dimension} and period >= ${seg.from} and period < ${seg.to}
      group by 1, 2, 3`.execute(handle.db);
    for (const row of r.rows) {
      const id = join(keyFor(bucket, row.key), row.value);
      let bins = out.get(id);
      if (!bins) out.set(id, (bins = new Map()));
      const bin = Number(row.bin);
      bins.set(bin, (bins.get(bin) ?? 0) + Number(row.n));
    }
  }
  return out;
}

/** A summary's counts of one dimension, by value. */
async function countsOf(handle: DatabaseHandle, dimension: CountDimension, range: Range) {
  const out = new Map<string, Cell>();
  for (const [id, cell] of await sumCounts(handle, dimension, range)) out.set(split(id)[1], cell);
  return out;
}

async function binsOf(handle: DatabaseHandle, range: Range): Promise<Map<number, number>> {
  return (await sumBins(handle, "all", range)).get(join("", ALL)) ?? new Map();
}

/** Who a key id is, for people: `key:<name>` or `user:<username>`; ids of deleted ones stay unnamed. */
async function keyNames(handle: DatabaseHandle, ids: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (ids.length === 0) return names;
  const keys = await handle.db.selectFrom("api_keys").select(["id", "name"]).where("id", "in", ids).execute();
  for (const k of keys) names.set(k.id, `key:${k.name}`);
  const users = await handle.db
    .selectFrom("users")
    .select(["id", "username"])
    .where("id", "in", ids)
    .execute();
  for (const u of users) names.set(u.id, `user:${u.username}`);
  return names;
}

export function mondayOf(day: string): string {
  const t = Date.parse(`${day}T00:00:00.000Z`);
  const sinceMonday = (new Date(t).getUTCDay() + 6) % 7;
  return new Date(t - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

function join(key: string, group: string): string {
  return `${key}\u0000${group}`;
}

function split(id: string): [string, string] {
  const at = id.indexOf("\u0000");
  return [id.slice(0, at), id.slice(at + 1)];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function startOf(key: string): string {
  return key.length === 13 ? `${key}:00:00.000Z` : `${key}T00:00:00.000Z`;
}

function parseInstant(value: string, what: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new ValidationError(`${what} is not a date: give an ISO 8601 time`);
  return t;
}
