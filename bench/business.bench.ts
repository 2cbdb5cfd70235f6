/**
 * What the business metrics cost. On the request path, in process (no HTTP noise): the
 * work ModelService.count and the routes now do per verdict and per request (the per-
 * detection latency histogram, the per-request answer counter, both plain numbers until a
 * scrape) next to what count() did before (the category counter, copied here), and
 * prom-client's own Histogram for comparison. At scrape time: the Prometheus text
 * with the windowed gauges, and the database gauges' read (once a minute at most) and
 * /v1/analytics/business over one day, on SQLite and PostgreSQL (when reachable), with
 * BENCH_BUSINESS_EVENTS (default 100,000) events and 1,000 reports in that day. Last, the
 * CPU gauge of a real `bulwark serve` against the CPU /proc charged to its process over the
 * same BENCH_BUSINESS_REQUESTS (default 5,000) detections of 500 characters, 8 at a time.
 * Run: npm run bench -- business
 */
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { Histogram } from "prom-client";
import { summary } from "../src/analytics/aggregates.js";
import { businessMetrics } from "../src/analytics/business.js";
import { rollupOf, writeRollup } from "../src/analytics/events/rollups.js";
import { createLogger } from "../src/core/logger.js";
import { mulberry32 } from "../src/core/random.js";
import type { DatabaseHandle } from "../src/db/open.js";
import type { DetectionEventsTable } from "../src/db/schema.js";
import type { Verdict } from "../src/detect/types.js";
import { DatabaseGauges } from "../src/server/metrics/business.js";
import { createServiceMetrics } from "../src/server/metrics/registry.js";
import { ModelService } from "../src/server/detection/models.js";
import { seedHome, spawnServe } from "../test/server/process.js";
import { medianOfFive as median, onEachDatabase } from "./event-table.js";
import { benchModel, benchServeEnv, markdownTable, prose, processCpuSeconds } from "./util.js";

const EVENTS = Number(process.env.BENCH_BUSINESS_EVENTS ?? 100_000);
const REPORTS = 1_000;
const ROUNDS = 2_000_000;

// ---- request path
const metrics = createServiceMetrics({ defaultMetrics: false });
const logger = createLogger({ level: "silent" }) as unknown as ConstructorParameters<typeof ModelService>[2];
const models = new ModelService({ load: () => Promise.reject(new Error("unused")) }, metrics, logger);
const random = mulberry32(7);
const verdicts: Verdict[] = Array.from({ length: 1024 }, () => {
  const flagged = random() < 0.1;
  return {
    score: random(),
    flagged,
    category: flagged ? "prompt_injection" : null,
    threshold: 0.5,
    evidence: [],
    windows: { count: 1, worst: { offset: 0, length: 500, score: 0.1 } },
    model: { name: "builtin", version: "1.0.0", sha256: "0".repeat(64) },
    latencyMs: random() < 0.97 ? random() * 2 : 10 + random() * 20,
  };
});

function nsPer(fn: (v: Verdict) => void): number {
  for (let i = 0; i < 200_000; i++) fn(verdicts[i & 1023]!); // warm-up: JIT
  const t = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) fn(verdicts[i & 1023]!);
  return Number(process.hrtime.bigint() - t) / ROUNDS;
}

// count() as it was before the business metrics, line for line.
const counters = new Map<string, { inc(): void }>();
const countBefore = (verdict: Verdict) => {
  const id = verdict.flagged ? (verdict.category ?? "unknown") : "none";
  let c = counters.get(id);
  if (c === undefined) {
    c = metrics.detections.labels({ verdict: verdict.flagged ? "flagged" : "clean", category: id });
    counters.set(id, c);
  }
  c.inc();
  return verdict;
};
const baseline = nsPer(countBefore);
const histogram = nsPer((v) => metrics.detectionSeconds.observe(v.latencyMs / 1000));
const promHistogram = new Histogram({
  name: "bench_prom_client_histogram_seconds",
  help: "prom-client's own, for comparison",
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [],
});
const promHistogramNs = nsPer((v) => promHistogram.observe(v.latencyMs / 1000));
const count = nsPer((v) => models.count(v));
const answered = nsPer((v) => models.answered("detect", [v]));
const scrape: number[] = [];
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  await metrics.registry.metrics();
  scrape.push(performance.now() - t);
}
scrape.sort((a, b) => a - b);

console.log(`### Request path, in process (${ROUNDS.toLocaleString("en")} verdicts per case)\n`);
console.log(
  markdownTable(
    ["work", "ns"],
    [
      ["count() before: the category counter (per text)", baseline.toFixed(0)],
      ["latency histogram observe, plain (per text)", histogram.toFixed(0)],
      ["the same with prom-client's Histogram, for comparison", promHistogramNs.toFixed(0)],
      ["count() now: the category counter and the plain histogram (per text)", count.toFixed(0)],
      ["answered(): the per-request answer counter (per request)", answered.toFixed(0)],
      [
        // The difference of the two count() rows drowns in noise on a busy host; the parts do not.
        "added per one-text request: the plain observe and answered()",
        (histogram + answered).toFixed(0),
      ],
    ],
  ),
);
console.log(
  `\nScrape (registry.metrics(), no default metrics, no database): median ${scrape[100]!.toFixed(3)} ms\n`,
);

// ---- database gauges
async function fill(handle: DatabaseHandle, now: number): Promise<void> {
  const rnd = mulberry32(42);
  const chunk = handle.dialect === "postgres" ? 1_000 : 200;
  for (let done = 0; done < EVENTS; done += chunk) {
    const rows: DetectionEventsTable[] = [];
    for (let i = done; i < Math.min(EVENTS, done + chunk); i++) {
      const flagged = rnd() < 0.1;
      rows.push({
        id: `evt_${i.toString(36).padStart(8, "0")}`,
        at: new Date(now - Math.floor((86_000_000 * i) / EVENTS) - 1_000).toISOString(),
        actor: "key_bench",
        subject: null,
        route: "detect",
        // One request in five is a batch of three texts.
        request_id: `req_${Math.floor(i / (i % 5 === 0 ? 3 : 1))}_${i % 5 === 0 ? "b" : i}`,
        flagged: flagged ? 1 : 0,
        score: flagged ? 0.9 : 0.1,
        category: flagged ? "jailbreak" : null,
        evidence: "[]",
        model: "builtin@1.0.0",
        latency_ms: rnd() * 3,
        text_length: 500,
        text_mode: "none",
        text: null,
        pii: "{}",
      });
    }
    // With the roll-ups the event writer keeps: the summary and the gauges read those.
    await handle.db.transaction().execute(async (tx) => {
      await tx.insertInto("detection_events").values(rows).execute();
      await writeRollup(tx, handle.dialect, rollupOf(rows));
    });
  }
  const reports = Array.from({ length: REPORTS }, (_, i) => ({
    id: `fb_${i}`,
    request_id: `req_${i}`,
    reporter: "key_bench",
    reporter_name: "key:bench",
    label: i % 3 === 0 ? 1 : 0,
    category: i % 3 === 0 ? "jailbreak" : null,
    text: `report ${i}`,
    text_sha256: randomBytes(32).toString("hex"),
    text_length: 10,
    note: null,
    status: ["pending", "accepted", "rejected"][i % 3]!,
    reviewer: null,
    review_note: null,
    reviewed_at: null,
    used_by: null,
    created_at: new Date(now - i * 60_000).toISOString(),
    subject: null,
  }));
  for (let i = 0; i < reports.length; i += 100)
    await handle.db
      .insertInto("feedback")
      .values(reports.slice(i, i + 100))
      .execute();
}

async function measureDatabase(name: string, handle: DatabaseHandle): Promise<(string | number)[][]> {
  const now = Date.now();
  await fill(handle, now);
  const day = { from: new Date(now - 86_400_000).toISOString(), to: new Date(now).toISOString() };
  const gauges = () =>
    new DatabaseGauges(
      handle,
      () => undefined,
      (err) => {
        throw err;
      },
      () => now,
    ).refresh();
  const api = () => summary(handle, day).then((s) => businessMetrics(handle, s));
  return [
    [name, "database gauges read (at most once a minute)", (await median(gauges)).toFixed(1)],
    [name, "/v1/analytics/business over the day", (await median(api)).toFixed(1)],
  ];
}

const rows = await onEachDatabase("business", measureDatabase);

console.log(
  `### Database figures (${EVENTS.toLocaleString("en")} events and ${REPORTS.toLocaleString("en")} reports in the last day; median of five)\n`,
);
console.log(markdownTable(["database", "query", "ms"], rows));

// ---- the CPU gauge of a real server, against /proc
const REQUESTS = Number(process.env.BENCH_BUSINESS_REQUESTS ?? 5_000);

const artifact = readFileSync((await benchModel()).path);
const env = benchServeEnv("business");
const [key] = await seedHome(env, artifact, [{ name: "bench", role: "client" }]);
const served = await spawnServe(env);
try {
  const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
  const gauge = async (name: string) => {
    const text = await (await fetch(`${served.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    return line ? Number(line.slice(name.length + 1)) : NaN;
  };
  const send = async (n: number) => {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const r = await fetch(`${served.url}/v1/detect`, {
          method: "POST",
          headers,
          body: JSON.stringify({ text: prose(500, i % 256) }),
        });
        if (r.status !== 200) throw new Error(`detect answered ${r.status}`);
        await r.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  };
  await send(1_000); // warm-up: JIT
  await gauge("bulwark_cpu_ms_per_1000_detections"); // the window's first sample
  const before = processCpuSeconds(served.child.pid);
  await send(REQUESTS);
  const after = processCpuSeconds(served.child.pid);
  // Read after /proc: the scrape's own CPU falls in the gauge's window, not in /proc's.
  const cpuGauge = await gauge("bulwark_cpu_ms_per_1000_detections");
  const fast = await gauge("bulwark_detections_within_10ms_ratio");
  console.log(
    `\n### CPU per 1,000 detections of a real server (${REQUESTS.toLocaleString("en")} POST /v1/detect, 500 characters, 8 at a time, events on)\n`,
  );
  console.log(
    markdownTable(
      ["source", "CPU ms per 1,000 detections"],
      [
        ["bulwark_cpu_ms_per_1000_detections (process.cpuUsage, at scrape)", cpuGauge.toFixed(0)],
        ["/proc/<pid>/stat utime + stime (10 ms ticks)", (((after - before) * 1e6) / REQUESTS).toFixed(0)],
      ],
    ),
  );
  console.log(`\nbulwark_detections_within_10ms_ratio over the same window: ${fast}`);
} finally {
  await served.stop();
}
