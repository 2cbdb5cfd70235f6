/**
 * Roll-ups of detection events per UTC hour and per UTC day, written in the same
 * transaction as the events themselves, so analytics over a month of a million events read
 * a few thousand rows instead of scanning the month: a range reads days where it covers
 * whole days and hours at its edges. Two tables (migration 014):
 *
 * - event_rollups: per period and dimension value, how many texts and how many flagged;
 *   dimensions `all`, `route`, `category`, `model`, `key` (the API key or user that asked)
 *   `evidence` (each evidence id a verdict carried: rules, signals, decoders), `lang` (the
 *   text's language, `none` when not identified); and
 *   `request`, which counts detection requests instead of texts (a batch is one, flagged
 *   when any of its texts is: what a caller that refuses on a flag refused). The recorder
 *   never splits a request's events between two writes, so each is counted once;
 * - event_latency_rollups: per period and dimension value (`all`, `route`, `model`), a
 *   latency histogram in the bins of latency-bins.ts, for percentiles and the share under
 *   10 ms. Fewer dimensions than the counts: a histogram is up to a hundred rows a period.
 *
 * The roll-ups hold counts only (no text, no subject), so erasing a person's events or
 * expiring old ones leaves them: they are what the figures of that past were.
 */
import { CompiledQuery } from "kysely";
import type { Dialect } from "../../db/open.js";
import type { DetectionEventsTable } from "../../db/schema.js";
import type { Tx } from "../../db/transaction.js";
import { latencyBin } from "./latency-bins.js";

export const COUNT_DIMENSIONS = [
  "all",
  "route",
  "category",
  "model",
  "key",
  "evidence",
  "lang",
  "request",
] as const;
export type CountDimension = (typeof COUNT_DIMENSIONS)[number];
export const LATENCY_DIMENSIONS = ["all", "route", "model"] as const;
export type LatencyDimension = (typeof LATENCY_DIMENSIONS)[number];

/** The value of the `all` dimension; of `category` for a verdict without one, and `lang` for a text without one. */
export const ALL = "";
export const NO_CATEGORY = "none";

/** A period's length: `hour` periods are `2026-12-02T01`, `day` periods `2026-12-02`. */
export type Grain = "hour" | "day";
export const GRAIN_CHARS: Record<Grain, number> = { hour: 13, day: 10 };

export interface CountCell {
  grain: Grain;
  dimension: CountDimension;
  period: string;
  value: string;
  requests: number;
  flagged: number;
}

export interface LatencyCell {
  grain: Grain;
  dimension: LatencyDimension;
  period: string;
  value: string;
  bin: number;
  n: number;
}

export interface Rollup {
  counts: CountCell[];
  latency: LatencyCell[];
}

/** The stored period of an ISO time: `2026-12-02T01` (hour) or `2026-12-02` (day). */
export function periodOf(at: string, grain: Grain): string {
  return at.slice(0, GRAIN_CHARS[grain]);
}

/** The cells a batch of event rows adds, summed, in a fixed order (see writeRollup). */
export function rollupOf(rows: readonly DetectionEventsTable[]): Rollup {
  const counts = new Map<string, CountCell>();
  const latency = new Map<string, LatencyCell>();
  const count = (grain: Grain, dimension: CountDimension, period: string, value: string, flagged: number) => {
    const id = `${grain}\u0000${dimension}\u0000${period}\u0000${value}`;
    const cell = counts.get(id);
    if (cell) {
      cell.requests += 1;
      cell.flagged += flagged;
    } else counts.set(id, { grain, dimension, period, value, requests: 1, flagged });
  };
  const time = (grain: Grain, dimension: LatencyDimension, period: string, value: string, bin: number) => {
    const id = `${grain}\u0000${dimension}\u0000${period}\u0000${value}\u0000${bin}`;
    const cell = latency.get(id);
    if (cell) cell.n += 1;
    else latency.set(id, { grain, dimension, period, value, bin, n: 1 });
  };
  /** Each request's first time and whether any of its texts was flagged. */
  const requests = new Map<string, { at: string; flagged: number }>();
  for (const row of rows) {
    const f = row.flagged ? 1 : 0;
    const request = requests.get(row.request_id);
    if (request) request.flagged |= f;
    else requests.set(row.request_id, { at: row.at, flagged: f });
    const bin = latencyBin(row.latency_ms);
    const evidence = JSON.parse(row.evidence) as string[];
    for (const grain of GRAINS) {
      const period = periodOf(row.at, grain);
      count(grain, "all", period, ALL, f);
      count(grain, "route", period, row.route, f);
      count(grain, "category", period, row.category ?? NO_CATEGORY, f);
      count(grain, "model", period, row.model, f);
      count(grain, "key", period, row.actor, f);
      count(grain, "lang", period, row.lang ?? NO_CATEGORY, f);
      for (const id of evidence) count(grain, "evidence", period, id, f);
      time(grain, "all", period, ALL, bin);
      time(grain, "route", period, row.route, bin);
      time(grain, "model", period, row.model, bin);
    }
  }
  for (const { at, flagged } of requests.values())
    for (const grain of GRAINS) count(grain, "request", periodOf(at, grain), ALL, flagged);
  // One order for every writer: two replicas upserting the same cells in PostgreSQL then
  // wait for each other instead of deadlocking.
  const byKey = <T>(cells: Map<string, T>) =>
    [...cells.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
  return { counts: byKey(counts), latency: byKey(latency) };
}

const GRAINS: readonly Grain[] = ["hour", "day"];
const CELLS_PER_STATEMENT = 1000;

/** Adds a batch's cells to the stored roll-ups, inside the transaction that writes its events. */
export async function writeRollup(tx: Tx, dialect: Dialect, rollup: Rollup): Promise<void> {
  const pg = dialect === "postgres";
  const place = (n: number) => (pg ? `$${n}` : "?");
  const upsert = async (
    table: string,
    columns: readonly string[],
    conflict: readonly string[],
    sums: readonly string[],
    rows: unknown[][],
  ) => {
    for (let i = 0; i < rows.length; i += CELLS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + CELLS_PER_STATEMENT);
      let n = 0;
      const tuples = chunk.map(() => `(${columns.map(() => place(++n)).join(",")})`).join(",");
      const text =
        `insert into ${table} (${columns.join(",")}) values ${tuples} ` +
        `on conflict (${conflict.join(",")}) do update set ` +
        sums.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(", ");
      await tx.executeQuery(CompiledQuery.raw(text, chunk.flat()));
    }
  };
  await upsert(
    "event_rollups",
    ["grain", "dimension", "period", "value", "requests", "flagged"],
    ["grain", "dimension", "period", "value"],
    ["requests", "flagged"],
    rollup.counts.map((c) => [c.grain, c.dimension, c.period, c.value, c.requests, c.flagged]),
  );
  await upsert(
    "event_latency_rollups",
    ["grain", "dimension", "period", "value", "bin", "n"],
    ["grain", "dimension", "period", "value", "bin"],
    ["n"],
    rollup.latency.map((c) => [c.grain, c.dimension, c.period, c.value, c.bin, c.n]),
  );
}
