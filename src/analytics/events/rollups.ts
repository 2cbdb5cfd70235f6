/**
 * Hourly roll-ups of detection events, written in the same transaction as the events
 * themselves, so analytics over a month of a million events read a few thousand rows
 * instead of scanning the month. Two tables (migration 014):
 *
 * - event_rollups: per UTC hour and dimension value, how many texts and how many flagged;
 *   dimensions `all`, `route`, `category`, `model`, `key` (the API key or user that asked)
 *   and `evidence` (each evidence id a verdict carried: rules, signals, decoders);
 * - event_latency_rollups: per UTC hour and dimension value, a latency histogram in the
 *   bins of latency-bins.ts, for percentiles and the share under 10 ms.
 *
 * The roll-ups hold counts only (no text, no subject), so erasing a person's events or
 * expiring old ones leaves them: they are what the figures of that past were.
 */
import { CompiledQuery } from "kysely";
import type { Dialect } from "../../db/open.js";
import type { DetectionEventsTable } from "../../db/schema.js";
import type { Tx } from "../../db/transaction.js";
import { latencyBin } from "./latency-bins.js";

export const COUNT_DIMENSIONS = ["all", "route", "category", "model", "key", "evidence"] as const;
export type CountDimension = (typeof COUNT_DIMENSIONS)[number];
export const LATENCY_DIMENSIONS = ["all", "route", "category", "model", "key"] as const;
export type LatencyDimension = (typeof LATENCY_DIMENSIONS)[number];

/** The value of the `all` dimension, and of `category` for a verdict without one. */
export const ALL = "";
export const NO_CATEGORY = "none";

export interface CountCell {
  dimension: CountDimension;
  hour: string;
  value: string;
  requests: number;
  flagged: number;
}

export interface LatencyCell {
  dimension: LatencyDimension;
  hour: string;
  value: string;
  bin: number;
  n: number;
}

export interface Rollup {
  counts: CountCell[];
  latency: LatencyCell[];
}

/** The stored hour of an ISO time: `2026-12-02T01`. */
export function hourOf(at: string): string {
  return at.slice(0, 13);
}

/** The cells a batch of event rows adds, summed, in a fixed order (see writeRollup). */
export function rollupOf(rows: readonly DetectionEventsTable[]): Rollup {
  const counts = new Map<string, CountCell>();
  const latency = new Map<string, LatencyCell>();
  const count = (dimension: CountDimension, hour: string, value: string, flagged: number) => {
    const id = `${dimension}\u0000${hour}\u0000${value}`;
    const cell = counts.get(id);
    if (cell) {
      cell.requests += 1;
      cell.flagged += flagged;
    } else counts.set(id, { dimension, hour, value, requests: 1, flagged });
  };
  const time = (dimension: LatencyDimension, hour: string, value: string, bin: number) => {
    const id = `${dimension}\u0000${hour}\u0000${value}\u0000${bin}`;
    const cell = latency.get(id);
    if (cell) cell.n += 1;
    else latency.set(id, { dimension, hour, value, bin, n: 1 });
  };
  for (const row of rows) {
    const hour = hourOf(row.at);
    const f = row.flagged ? 1 : 0;
    const category = row.category ?? NO_CATEGORY;
    const bin = latencyBin(row.latency_ms);
    const values: [LatencyDimension, string][] = [
      ["all", ALL],
      ["route", row.route],
      ["category", category],
      ["model", row.model],
      ["key", row.actor],
    ];
    for (const [dimension, value] of values) {
      count(dimension, hour, value, f);
      time(dimension, hour, value, bin);
    }
    for (const id of JSON.parse(row.evidence) as string[]) count("evidence", hour, id, f);
  }
  // One order for every writer: two replicas upserting the same cells in PostgreSQL then
  // wait for each other instead of deadlocking.
  const byKey = <T extends { dimension: string; hour: string; value: string }>(cells: Map<string, T>) =>
    [...cells.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
  return { counts: byKey(counts), latency: byKey(latency) };
}

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
    ["dimension", "hour", "value", "requests", "flagged"],
    ["dimension", "hour", "value"],
    ["requests", "flagged"],
    rollup.counts.map((c) => [c.dimension, c.hour, c.value, c.requests, c.flagged]),
  );
  await upsert(
    "event_latency_rollups",
    ["dimension", "hour", "value", "bin", "n"],
    ["dimension", "hour", "value", "bin"],
    ["n"],
    rollup.latency.map((c) => [c.dimension, c.hour, c.value, c.bin, c.n]),
  );
}
