/**
 * Analytics queries over a large event table: BENCH_ANALYTICS_EVENTS (default 1,000,000)
 * synthetic detection events over 30 days with the roll-ups the event writer keeps
 * (bench/event-table.ts), on SQLite and PostgreSQL when reachable, then `summary` and
 * `timeseries` over the last day, week and 30 days, median of five runs each. The target
 * (issue 14) is under 200 ms per query over a million events. The security report of the
 * same windows (gathered once, drawn and written as Markdown and as HTML) is timed too:
 * it is a summary and two series plus two small queries.
 * Run: npm run bench -- analytics
 */
import { summary, timeseries } from "../src/analytics/aggregates.js";
import { gatherReport, renderReport } from "../src/analytics/report/index.js";
import type { DatabaseHandle } from "../src/db/open.js";
import { DAY, END, fillEvents, medianOfFive as median, onEachDatabase } from "./event-table.js";
import { markdownTable } from "./util.js";

const EVENTS = Number(process.env.BENCH_ANALYTICS_EVENTS ?? 1_000_000);

async function measure(label: string, handle: DatabaseHandle): Promise<(string | number)[][]> {
  const seconds = await fillEvents(handle, EVENTS);
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

const rows = await onEachDatabase("analytics", measure);

console.log(`\n### Analytics over ${EVENTS.toLocaleString("en")} events (30 days), median of 5 runs\n`);
console.log(markdownTable(["database", "window", "events in window", "query", "ms"], rows));
