/**
 * Analytics queries over a large event table: BENCH_ANALYTICS_EVENTS (default 1,000,000)
 * synthetic detection events spread evenly over 30 days (one in ten flagged, four
 * categories, three routes, two models, twenty keys, latencies of 0.05-5 ms and a tail to
 * 40 ms), written into a migrated database (SQLite, and PostgreSQL when reachable) in
 * batches with the roll-ups the event writer keeps (its own rollupOf/writeRollup), then
 * `summary` and `timeseries` over the last day, week and 30 days, median of five runs
 * each. The target (issue 14) is under 200 ms per query over a million events. The
 * security report of the same windows (gathered once, drawn and written as Markdown and
 * as HTML) is timed too: it is a summary and two series plus two small queries.
 * Run: npm run bench -- analytics
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { CompiledQuery } from "kysely";
import pg from "pg";
import { summary, timeseries } from "../src/analytics/aggregates.js";
import { rollupOf, writeRollup } from "../src/analytics/events/rollups.js";
import { gatherReport, renderReport } from "../src/analytics/report/index.js";
import { openDatabase, type DatabaseHandle } from "../src/db/open.js";
import type { DetectionEventsTable } from "../src/db/schema.js";
import { mulberry32 } from "../src/core/random.js";
import { markdownTable } from "./util.js";

const EVENTS = Number(process.env.BENCH_ANALYTICS_EVENTS ?? 1_000_000);
const PG_ADMIN = process.env.BULWARK_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DAY = 86_400_000;
const END = Date.parse("2026-12-01T00:00:00Z");
const START = END - 30 * DAY;
const CATEGORIES = ["prompt_injection", "jailbreak", "system_extraction", "code_injection"];
const ROUTES = ["detect", "detect", "detect", "batch", "scan"];
const TECHNIQUES = ["obfuscation:homoglyph", "obfuscation:zero_width", "payload:base64", "payload:hex"];
const ALL = [
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
] as const satisfies readonly (keyof DetectionEventsTable)[];

function event(i: number, random: () => number): DetectionEventsTable {
  const flagged = random() < 0.1;
  const evidence = ["model:builtin"];
  if (flagged) evidence.push(`rule:pi.rule_${Math.floor(random() * 20)}`);
  if (random() < 0.03) evidence.push(TECHNIQUES[Math.floor(random() * TECHNIQUES.length)]!);
  return {
    id: `evt_${i.toString(36).padStart(8, "0")}`,
    at: new Date(START + Math.floor(((END - START) * i) / EVENTS)).toISOString(),
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
    text_length: 500,
    text_mode: "none",
    text: null,
    pii: "{}",
  };
}

async function fill(handle: DatabaseHandle): Promise<number> {
  const random = mulberry32(42);
  const perStatement = 500;
  const sql = `insert into detection_events (${ALL.join(", ")}) values ${Array.from(
    { length: perStatement },
    (_, r) =>
      `(${ALL.map((_, c) => (handle.dialect === "postgres" ? `$${r * ALL.length + c + 1}` : "?")).join(", ")})`,
  ).join(", ")}`;
  const started = performance.now();
  for (let done = 0; done < EVENTS; done += perStatement * 20) {
    await handle.db.transaction().execute(async (tx) => {
      const batch: DetectionEventsTable[] = [];
      for (let s = 0; s < 20 && done + s * perStatement < EVENTS; s++) {
        const rows = Array.from({ length: perStatement }, (_, r) =>
          event(done + s * perStatement + r, random),
        );
        await tx.executeQuery(
          CompiledQuery.raw(
            sql,
            rows.flatMap((row) => ALL.map((c) => row[c])),
          ),
        );
        batch.push(...rows);
      }
      await writeRollup(tx, handle.dialect, rollupOf(batch));
    });
  }
  return (performance.now() - started) / 1000;
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm: plans, page cache
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[2]!;
}

async function measure(label: string, handle: DatabaseHandle): Promise<(string | number)[][]> {
  const seconds = await fill(handle);
  console.log(`${label}: ${EVENTS.toLocaleString("en")} events written in ${seconds.toFixed(1)} s`);
  const to = new Date(END).toISOString();
  const since = (days: number) => new Date(END - days * DAY).toISOString();
  const rows: (string | number)[][] = [];
  for (const [window, days] of [
    ["1 day", 1],
    ["7 days", 7],
    ["30 days", 30],
  ] as const) {
    const range = { from: since(days), to };
    const n = Math.round((EVENTS * days) / 30).toLocaleString("en");
    rows.push([label, window, n, "summary", (await median(() => summary(handle, range))).toFixed(0)]);
    const bucket = days === 1 ? "hour" : "day";
    rows.push([
      label,
      window,
      n,
      `timeseries flagged_rate by ${bucket}`,
      (await median(() => timeseries(handle, { ...range, metric: "flagged_rate", bucket }))).toFixed(0),
    ]);
    rows.push([
      label,
      window,
      n,
      `timeseries requests by ${bucket} and category`,
      (
        await median(() => timeseries(handle, { ...range, metric: "requests", bucket, by: "category" }))
      ).toFixed(0),
    ]);
    rows.push([
      label,
      window,
      n,
      `timeseries latency_p95 by ${bucket} and model`,
      (
        await median(() => timeseries(handle, { ...range, metric: "latency_p95", bucket, by: "model" }))
      ).toFixed(0),
    ]);
    const report = async () => {
      const data = await gatherReport(handle, range);
      return [renderReport(data, "md"), renderReport(data, "html")];
    };
    rows.push([label, window, n, "report (gather, md and html)", (await median(report)).toFixed(0)]);
  }
  return rows;
}

const rows: (string | number)[][] = [];
const sqlite = await openDatabase({
  url: undefined,
  sqlitePath: join(mkdtempSync(join(tmpdir(), "bulwark-bench-analytics-")), "b.db"),
});
rows.push(...(await measure("SQLite", sqlite)));
await sqlite.close();

const name = `bw_bench_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
let pgUrl: string | undefined;
try {
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  pgUrl = url.toString();
} catch {
  console.log(`(PostgreSQL not reachable at ${PG_ADMIN}: its rows are skipped)`);
}
if (pgUrl) {
  try {
    const handle = await openDatabase({ url: pgUrl, sqlitePath: "" });
    rows.push(...(await measure("PostgreSQL", handle)));
    await handle.close();
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
  }
}
await admin.end().catch(() => undefined);

console.log(`\n### Analytics over ${EVENTS.toLocaleString("en")} events (30 days), median of 5 runs\n`);
console.log(markdownTable(["database", "window", "events in window", "query", "ms"], rows));
