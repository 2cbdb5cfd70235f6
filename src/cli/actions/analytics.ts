/** `bulwark analytics ...`: the aggregates and the security report of /v1/analytics on the configured database. */
import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import {
  resolveRange,
  summary,
  timeseries,
  type Bucket,
  type GroupBy,
  type Metric,
  type Summary,
} from "../../analytics/aggregates.js";
import {
  gatherReport,
  renderReport,
  reportRange,
  type Chart,
  type ReportFormat,
} from "../../analytics/report/index.js";
import { businessMetrics, summaryWithBusiness, type BusinessMetrics } from "../../analytics/business.js";
import { loadConfig } from "../../core/config.js";
import { openDatabase, type DatabaseHandle } from "../../db/index.js";
import { printJson, printLine } from "../output.js";

interface RangeOptions {
  from?: string;
  to?: string;
  json?: boolean;
}

async function withDatabase<T>(fn: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadConfig());
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function analyticsSummary(opts: RangeOptions): Promise<void> {
  const range = resolveRange(opts);
  const s = await withDatabase((db) => summaryWithBusiness(db, range));
  if (opts.json) return printJson(s);
  for (const line of [...describeSummary(s), ...describeBusiness(s.business).slice(1)]) printLine(line);
}

export async function analyticsTimeseries(
  opts: RangeOptions & { metric: Metric; bucket: Bucket; by?: GroupBy },
): Promise<void> {
  const range = resolveRange(opts);
  const points = await withDatabase((db) =>
    timeseries(db, { metric: opts.metric, bucket: opts.bucket, by: opts.by, ...range }),
  );
  if (opts.json) return printJson(points);
  if (points.length === 0) return printLine(`no events from ${range.from} to ${range.to}`);
  for (const p of points)
    printLine(`${p.bucket_start}${p.group !== undefined ? ` ${p.group}` : ""} ${format(p.value)}`);
}

export async function analyticsReport(opts: {
  from?: string;
  to?: string;
  format: ReportFormat;
  output?: string;
}): Promise<void> {
  const range = reportRange(opts);
  const data = await withDatabase((db) => gatherReport(db, range));
  if (opts.output === undefined) {
    process.stdout.write(renderReport(data, opts.format).content);
    return;
  }
  const file = opts.output;
  if (opts.format === "html") {
    await writeFile(file, renderReport(data, "html").content);
    return printLine(`wrote ${file}`);
  }
  // Markdown keeps its charts as files beside it (report.md -> report-charts/*.svg), referred to relatively.
  const folder = `${basename(file, extname(file))}-charts`;
  const href = (c: Chart) => encodeURI(`${folder}/${c.id}.svg`);
  const { content, charts } = renderReport(data, "md", href);
  await mkdir(join(dirname(file), folder), { recursive: true });
  for (const c of charts) await writeFile(join(dirname(file), folder, `${c.id}.svg`), c.svg);
  await writeFile(file, content);
  printLine(`wrote ${file} and ${charts.length} charts in ${join(dirname(file), folder)}`);
}

export async function analyticsBusiness(opts: RangeOptions): Promise<void> {
  const range = resolveRange(opts);
  const b = await withDatabase(async (db) => businessMetrics(db, await summary(db, range)));
  if (opts.json) return printJson(b);
  for (const line of describeBusiness(b)) printLine(line);
}

function describeBusiness(b: BusinessMetrics): string[] {
  const pct = (v: number | null) => (v === null ? "-" : `${(v * 100).toFixed(2)}%`);
  const hours = (v: number | null) => (v === null ? "-" : `${v.toFixed(1)} h`);
  const fp = b.falsePositive;
  const m = b.missToFix;
  return [
    `${b.from} to ${b.to}`,
    `attack rate ${pct(b.attackRate)} (${b.flagged} of ${b.screened} texts flagged)`,
    `block rate ${pct(b.blockRate)} (${b.flaggedRequests} of ${b.requests} requests answered flagged)`,
    `false positives reported ${fp.reports} (${fp.accepted} accepted): ${pct(fp.rate)} of flagged (${pct(fp.acceptedRate)} accepted)`,
    `misses reported ${m.reported}: fixed ${m.fixed}, open ${m.open}; to fix mean ${hours(m.meanHours)}, median ${hours(m.medianHours)}`,
  ];
}

function describeSummary(s: Summary): string[] {
  const counts = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "-";
  const ms = (v: number | null) => (v === null ? "-" : `${format(v)} ms`);
  return [
    `${s.from} to ${s.to}`,
    `requests ${s.requests}, flagged ${s.flagged} (${(s.flaggedRate * 100).toFixed(1)}%)`,
    `by category: ${counts(s.byCategory)}`,
    `by route: ${counts(s.byRoute)}`,
    `by model: ${counts(s.byModel)}`,
    `by language: ${counts(s.byLanguage)}`,
    `top keys: ${s.topKeys.map((k) => `${k.name ?? k.key} ${k.requests}`).join(", ") || "-"}`,
    `latency p50 ${ms(s.latency.p50)}, p95 ${ms(s.latency.p95)}, p99 ${ms(s.latency.p99)}, ` +
      `under 10 ms ${s.latency.under10msShare === null ? "-" : `${(s.latency.under10msShare * 100).toFixed(1)}%`}`,
    `top evidence: ${s.topEvidence.map((e) => `${e.id} ${e.count}`).join(", ") || "-"}`,
    `top techniques: ${s.topTechniques.map((e) => `${e.id} ${e.requests}`).join(", ") || "-"}`,
  ];
}

function format(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}
