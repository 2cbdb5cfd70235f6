/**
 * What the analytics, drift and business benchmarks share: a detection_events table of
 * synthetic events written with the roll-ups the event writer keeps (its own rollupOf and
 * writeRollup), and each benchmark run once on SQLite and once on a fresh PostgreSQL
 * database when one is reachable. The events: spread evenly over the 30 days before END,
 * one in ten flagged (a fifth of those with a base64 payload), four categories, three
 * routes, two models, twenty keys, 3% with an obfuscation signal or payload decoder,
 * latencies of 0.05-5 ms with a 1% tail to 40 ms, lengths of 16-4,096 characters on a log
 * scale, languages mostly English (one in twelve unidentified).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompiledQuery } from "kysely";
import pg from "pg";
import { EVENT_COLUMNS } from "../src/analytics/events/index.js";
import { rollupOf, writeRollup } from "../src/analytics/events/rollups.js";
import { mulberry32 } from "../src/core/random.js";
import { openDatabase, type DatabaseHandle } from "../src/db/open.js";
import type { DetectionEventsTable } from "../src/db/schema.js";

export const DAY = 86_400_000;
export const END = Date.parse("2026-12-01T00:00:00Z");
export const START = END - 30 * DAY;
const PG_ADMIN = process.env.BULWARK_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const CATEGORIES = ["prompt_injection", "jailbreak", "system_extraction", "code_injection"];
const ROUTES = ["detect", "detect", "detect", "batch", "scan"];
const TECHNIQUES = ["obfuscation:homoglyph", "obfuscation:zero_width", "payload:base64", "payload:hex"];
const LANGS = ["en", "en", "en", "en", "en", "en", "fr", "de", "es", "zh", "ru", null];
/** The event writer's own column list, so these rows are the rows it writes. */
const COLUMNS = EVENT_COLUMNS;

function event(i: number, events: number, random: () => number): DetectionEventsTable {
  const flagged = random() < 0.1;
  const evidence = ["model:builtin"];
  if (flagged) evidence.push(`rule:pi.rule_${Math.floor(random() * 20)}`);
  if (flagged && random() < 0.2) evidence.push("payload:base64");
  else if (random() < 0.03) evidence.push(TECHNIQUES[Math.floor(random() * TECHNIQUES.length)]!);
  return {
    id: `evt_${i.toString(36).padStart(8, "0")}`,
    at: new Date(START + Math.floor(((END - START) * i) / events)).toISOString(),
    actor: `key_bench${Math.floor(random() * 20)}`,
    subject: null,
    route: ROUTES[Math.floor(random() * ROUTES.length)]!,
    request_id: randomBytes(8).toString("hex"),
    flagged: flagged ? 1 : 0,
    score: flagged ? 0.9 + random() / 10 : random() / 2,
    category: flagged ? CATEGORIES[Math.floor(random() * 4)]! : null,
    evidence: JSON.stringify(evidence),
    model: random() < 0.5 ? "builtin@1.0.0" : "builtin@1.1.0",
    latency_ms: random() < 0.01 ? 5 + random() * 35 : 0.05 + random() * 5,
    text_length: Math.floor(16 * 2 ** (random() * 8)),
    text_mode: "none",
    text: null,
    pii: "{}",
    lang: LANGS[Math.floor(random() * LANGS.length)] ?? null,
  };
}

/** Writes `events` synthetic events and their roll-ups, 10,000 a transaction; returns the seconds it took. */
export async function fillEvents(handle: DatabaseHandle, events: number): Promise<number> {
  const random = mulberry32(42);
  const perStatement = 500;
  const sql = `insert into detection_events (${COLUMNS.join(", ")}) values ${Array.from(
    { length: perStatement },
    (_, r) =>
      `(${COLUMNS.map((_, c) => (handle.dialect === "postgres" ? `$${r * COLUMNS.length + c + 1}` : "?")).join(", ")})`,
  ).join(", ")}`;
  const started = performance.now();
  for (let done = 0; done < events; done += perStatement * 20) {
    await handle.db.transaction().execute(async (tx) => {
      const batch: DetectionEventsTable[] = [];
      for (let s = 0; s < 20 && done + s * perStatement < events; s++) {
        const rows = Array.from({ length: perStatement }, (_, r) =>
          event(done + s * perStatement + r, events, random),
        );
        await tx.executeQuery(
          CompiledQuery.raw(
            sql,
            rows.flatMap((row) => COLUMNS.map((c) => row[c])),
          ),
        );
        batch.push(...rows);
      }
      await writeRollup(tx, handle.dialect, rollupOf(batch));
    });
  }
  return (performance.now() - started) / 1000;
}

/**
 * Runs `measure` on a fresh SQLite file and on a fresh PostgreSQL database (dropped after)
 * when one is reachable, and returns both's rows.
 */
export async function onEachDatabase(
  name: string,
  measure: (label: string, handle: DatabaseHandle) => Promise<(string | number)[][]>,
): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  const sqlite = await openDatabase({
    url: undefined,
    sqlitePath: join(mkdtempSync(join(tmpdir(), `bulwark-bench-${name}-`)), "b.db"),
  });
  try {
    rows.push(...(await measure("SQLite", sqlite)));
  } finally {
    await sqlite.close();
  }
  const database = `bw_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
    await admin.query(`create database ${database}`);
  } catch {
    console.log(`(PostgreSQL not reachable at ${PG_ADMIN}: its rows are skipped)`);
    await admin.end().catch(() => undefined);
    return rows;
  }
  try {
    const url = new URL(PG_ADMIN);
    url.pathname = `/${database}`;
    const handle = await openDatabase({ url: url.toString(), sqlitePath: "" });
    try {
      rows.push(...(await measure("PostgreSQL", handle)));
    } finally {
      await handle.close();
    }
  } finally {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end().catch(() => undefined);
  }
  return rows;
}

/** The median time in ms of five runs of `fn`, after one that warms plans and caches. */
export async function medianOfFive(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[2]!;
}
