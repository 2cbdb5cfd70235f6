/**
 * Business figures over a time range, from the database alone, so every server and the CLI
 * agree on them: how many screened texts were attacks, how many detection requests a
 * caller that refuses on a flag would have refused, how often users say a flag was wrong,
 * and how long a missed attack they reported waits for a production model trained on it.
 *
 * Bulwark blocks nothing itself: it answers a verdict and the caller decides. So the
 * attack rate counts texts (a batch of ten is ten) and the block rate counts requests (a
 * batch with one flagged text is one request refused); with one text per request the two
 * coincide.
 *
 * A miss is fixed when a model trained on its report reaches production: the report names
 * the learning cycle that trained on it (feedback.used_by), the cycle names its challenger
 * (`name@version`), and the challenger's first move to production at or after the report
 * (model_stage_events) is the fix, whether the cycle promoted it or someone did later.
 * Reports are few (people file them), so they are joined here rather than in SQL.
 */
import { sql } from "kysely";
import type { DatabaseHandle } from "../db/open.js";
import { summary, type Range, type Summary } from "./aggregates.js";

export interface BusinessMetrics {
  from: string;
  to: string;
  /** Screened texts in the range (a batch counts each of its texts). */
  screened: number;
  /** Texts the detector judged attacks (flagged at the threshold the request used). */
  flagged: number;
  /** Detection requests (detect, batch or scan calls) in the range. */
  requests: number;
  /** Requests whose answer held at least one flagged verdict. */
  flaggedRequests: number;
  /** flagged / screened; 0 without events. */
  attackRate: number;
  /** flaggedRequests / requests: what a caller that refuses on any flag refused; 0 without events. */
  blockRate: number;
  falsePositive: {
    /** Reports "benign but flagged" (label 0) filed in the range and not rejected by review. */
    reports: number;
    /** Of those, the ones a reviewer accepted. */
    accepted: number;
    /** reports / flagged; null when nothing was flagged. */
    rate: number | null;
    /** accepted / flagged; null when nothing was flagged. */
    acceptedRate: number | null;
  };
  missToFix: {
    /** Reports of missed attacks (label 1) filed in the range and not rejected by review. */
    reported: number;
    /** Of those, the ones a model trained on them has reached production for (so far). */
    fixed: number;
    /** reported - fixed. */
    open: number;
    /** Hours from report to fix, over the fixed ones; null when none is fixed. */
    meanHours: number | null;
    medianHours: number | null;
  };
}

const HOUR_MS = 3_600_000;

/** The business figures with the summary of the same range they are computed from. */
export interface SummaryWithBusiness extends Summary {
  business: BusinessMetrics;
}

/**
 * The business figures of a summary's range (whole UTC hours, as the summary covers): the
 * rates from its counts, the rest from users' reports and the registry's history.
 */
export async function businessMetrics(handle: DatabaseHandle, summary: Summary): Promise<BusinessMetrics> {
  const range = { from: summary.from, to: summary.to };
  const share = (n: number, of: number) => (of === 0 ? 0 : n / of);
  return {
    ...range,
    screened: summary.requests,
    flagged: summary.flagged,
    requests: summary.answers.requests,
    flaggedRequests: summary.answers.flagged,
    attackRate: share(summary.flagged, summary.requests),
    blockRate: share(summary.answers.flagged, summary.answers.requests),
    falsePositive: await falsePositives(handle, range, summary.flagged),
    missToFix: await missToFix(handle, range),
  };
}

/** The summary of a range with its business figures: what /v1/analytics/summary answers. */
export async function summaryWithBusiness(
  handle: DatabaseHandle,
  range: Range,
): Promise<SummaryWithBusiness> {
  const s = await summary(handle, range);
  return { ...s, business: await businessMetrics(handle, s) };
}

/** False-positive reports filed in the range, and their share of the `flagged` events of the range. */
export async function falsePositives(
  handle: DatabaseHandle,
  range: Range,
  flagged: number,
): Promise<BusinessMetrics["falsePositive"]> {
  const rows = await handle.db
    .selectFrom("feedback")
    .select((eb) => ["status", eb.fn.countAll<number | string>().as("n")])
    .where("label", "=", 0)
    .where("status", "!=", "rejected")
    .where("created_at", ">=", range.from)
    .where("created_at", "<", range.to)
    .groupBy("status")
    .execute();
  let reports = 0;
  let accepted = 0;
  for (const r of rows) {
    reports += Number(r.n);
    if (r.status === "accepted") accepted += Number(r.n);
  }
  const rate = (n: number) => (flagged === 0 ? null : n / flagged);
  return { reports, accepted, rate: rate(reports), acceptedRate: rate(accepted) };
}

/** Misses reported in the range, and how long those fixed so far waited for their fix. */
export async function missToFix(handle: DatabaseHandle, range: Range): Promise<BusinessMetrics["missToFix"]> {
  const { db } = handle;
  const misses = await db
    .selectFrom("feedback")
    .select(["created_at", "used_by"])
    .where("label", "=", 1)
    .where("status", "!=", "rejected")
    .where("created_at", ">=", range.from)
    .where("created_at", "<", range.to)
    .execute();
  const cycleIds = [...new Set(misses.flatMap((m) => (m.used_by ? [m.used_by] : [])))];
  const challengers = new Map<string, string>();
  if (cycleIds.length > 0) {
    const cycles = await db
      .selectFrom("learn_cycles")
      .select(["id", "challenger"])
      .where("id", "in", cycleIds)
      .where("challenger", "is not", null)
      .execute();
    for (const c of cycles) challengers.set(c.id, c.challenger!);
  }
  // Every move to production of those challengers, oldest first.
  const promotions = new Map<string, string[]>();
  const refs = [...new Set(challengers.values())];
  if (refs.length > 0) {
    const events = await db
      .selectFrom("model_stage_events")
      .select(["model_name", "version", "at"])
      .where("to_stage", "=", "production")
      .where(sql<string>`model_name || '@' || version`, "in", refs)
      .orderBy("at")
      .execute();
    for (const e of events) {
      const ref = `${e.model_name}@${e.version}`;
      promotions.set(ref, [...(promotions.get(ref) ?? []), e.at]);
    }
  }
  const hours: number[] = [];
  for (const m of misses) {
    const ref = m.used_by ? challengers.get(m.used_by) : undefined;
    const fixedAt = ref ? promotions.get(ref)?.find((at) => at >= m.created_at) : undefined;
    if (fixedAt) hours.push((Date.parse(fixedAt) - Date.parse(m.created_at)) / HOUR_MS);
  }
  return {
    reported: misses.length,
    fixed: hours.length,
    open: misses.length - hours.length,
    meanHours: hours.length === 0 ? null : hours.reduce((a, b) => a + b, 0) / hours.length,
    medianHours: median(hours),
  };
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
