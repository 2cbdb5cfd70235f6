/**
 * What a security report says, gathered in one place: the summary and the series come
 * from the aggregates (summary, timeseries) and nothing else, so the report's numbers are
 * the API's numbers; feedback and model changes come from their own small queries. The
 * renderers (markdown.ts, html.ts) and the charts (charts.ts) only read this.
 */
import { summary, timeseries, type Bucket, type Range, type Summary } from "../aggregates.js";
import type { DatabaseHandle } from "../../db/open.js";
import { feedbackInRange, type FeedbackInRange } from "./feedback.js";
import { modelChangesInRange, type ModelChangesInRange } from "./model-changes.js";
import { bucketFor, bucketStarts } from "./range.js";

/** Evidence kinds that name how an attack was disguised or carried, not what it asked. */

export interface VolumePoint {
  /** The bucket's first instant (ISO, UTC). */
  start: string;
  requests: number;
  flagged: number;
  /** flagged / requests; null for a bucket without requests (the curve has a gap there). */
  rate: number | null;
}

export interface Count {
  id: string;
  count: number;
}

export interface ReportData {
  range: Range;
  generatedAt: string;
  bucket: Bucket;
  summary: Summary;
  /** One point per bucket of the range, empty buckets included. */
  volume: VolumePoint[];
  /** Verdict categories of the range's events, most first, without `none` (no category). */
  categories: Count[];
  /** Obfuscation signals and payload decoders seen in screened texts, most first. */
  techniques: Count[];
  /** Rule evidence among flagged events, most first. */
  rules: Count[];
  feedback: FeedbackInRange;
  modelChanges: ModelChangesInRange;
}

export async function gatherReport(
  handle: DatabaseHandle,
  range: Range,
  now = new Date(),
): Promise<ReportData> {
  const bucket = bucketFor(range);
  const s = await summary(handle, range);
  const series = (metric: "requests" | "flagged") => timeseries(handle, { metric, bucket, ...range });
  const requests = valuesByStart(await series("requests"));
  const flagged = valuesByStart(await series("flagged"));
  const volume = bucketStarts(range, bucket).map((start): VolumePoint => {
    const r = requests.get(start) ?? 0;
    const f = flagged.get(start) ?? 0;
    return { start, requests: r, flagged: f, rate: r === 0 ? null : f / r };
  });
  return {
    range,
    generatedAt: now.toISOString(),
    bucket,
    summary: s,
    volume,
    categories: sorted(Object.entries(s.byCategory).filter(([id]) => id !== "none")),
    techniques: s.topTechniques.map((t) => ({ id: t.id, count: t.requests })),
    rules: s.topEvidence.filter((e) => e.id.startsWith("rule:")),
    feedback: await feedbackInRange(handle, range),
    modelChanges: await modelChangesInRange(handle, range),
  };
}

function valuesByStart(points: { bucket_start: string; value: number }[]): Map<string, number> {
  return new Map(points.map((p) => [p.bucket_start, p.value]));
}

function sorted(entries: [string, number][]): Count[] {
  return entries
    .map(([id, count]) => ({ id, count }))
    .sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
}
