/**
 * Drift over a large event table: BENCH_DRIFT_EVENTS (default 1,000,000) synthetic events
 * over 30 days (bench/event-table.ts, shared with the analytics benchmark), then the live
 * profile of one model (half the events) over the last day, week and 30 days, with the PSI
 * of each feature against a reference, median of five runs. The live read stops at 50,000
 * events, so the time should stay flat once a window holds more.
 * Run: npm run bench -- drift
 */
import { compare, liveProfile, profileOf } from "../src/analytics/drift/index.js";
import type { DatabaseHandle } from "../src/db/open.js";
import { DAY, END, fillEvents, medianOfFive as median, onEachDatabase } from "./event-table.js";
import { markdownTable } from "./util.js";

const EVENTS = Number(process.env.BENCH_DRIFT_EVENTS ?? 1_000_000);
const reference = profileOf(
  Array.from({ length: 5_000 }, (_, i) => ({
    score: (i % 100) / 100,
    length: 16 + ((i * 37) % 4_000),
    lang: i % 3 === 0 ? "fr" : "en",
    evidence: i % 20 === 0 ? ["payload:base64"] : [],
    flagged: i % 10 === 0,
  })),
);

async function measure(label: string, handle: DatabaseHandle): Promise<(string | number)[][]> {
  const seconds = await fillEvents(handle, EVENTS);
  console.log(`${label}: ${EVENTS.toLocaleString("en")} events written in ${seconds.toFixed(1)} s`);
  const to = new Date(END).toISOString();
  const rows: (string | number)[][] = [];
  for (const [window, days] of [
    ["1 day", 1],
    ["7 days", 7],
    ["30 days", 30],
  ] as const) {
    const range = { from: new Date(END - days * DAY).toISOString(), to };
    const live = await liveProfile(handle, "builtin@1.0.0", range);
    const ms = await median(async () =>
      compare(reference, await liveProfile(handle, "builtin@1.0.0", range)),
    );
    rows.push([
      label,
      window,
      Math.round((EVENTS * days) / 60).toLocaleString("en"),
      `${live.rows.toLocaleString("en")}${live.sampled ? " (capped)" : ""}`,
      ms.toFixed(0),
    ]);
  }
  return rows;
}

const rows = await onEachDatabase("drift", measure);

console.log(
  `\n### Drift's live profile over ${EVENTS.toLocaleString("en")} events (30 days, two models), median of 5 runs\n`,
);
console.log(
  markdownTable(["database", "window", "events of the model", "events read", "live profile + PSI ms"], rows),
);
