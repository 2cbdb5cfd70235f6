/**
 * The range and time buckets of a report. A report defaults to the seven days ending now
 * (the aggregates default to one day), and picks its own bucket from the range's length:
 * hours up to two days, days up to a quarter, weeks beyond, so a curve has enough points
 * to show a shape and few enough to read.
 */
import { resolveRange, mondayOf, type Bucket, type Range } from "../aggregates.js";
import { ValidationError } from "../../core/errors.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const DEFAULT_REPORT_DAYS = 7;
const HOURLY_UP_TO_DAYS = 2;
const DAILY_UP_TO_DAYS = 92;
/** The aggregates answer weekly series of at most ten years. */
const MAX_REPORT_DAYS = 10 * 366;

export function reportRange(
  given: { from?: string | undefined; to?: string | undefined },
  now = Date.now(),
): Range {
  const to = resolveRange({ to: given.to }, now).to;
  const from = given.from ?? new Date(Date.parse(to) - DEFAULT_REPORT_DAYS * DAY_MS).toISOString();
  const range = resolveRange({ from, to }, now);
  if (daysOf(range) > MAX_REPORT_DAYS)
    throw new ValidationError(`a report covers at most ${MAX_REPORT_DAYS} days: give a later from`);
  return range;
}

export function bucketFor(range: Range): Bucket {
  const days = daysOf(range);
  return days <= HOURLY_UP_TO_DAYS ? "hour" : days <= DAILY_UP_TO_DAYS ? "day" : "week";
}

/**
 * Every bucket the range touches, in order, by its first instant (ISO, UTC), as the
 * aggregates name them: the series leave out empty buckets, a chart needs them as zeros.
 */
export function bucketStarts(range: Range, bucket: Bucket): string[] {
  const end = Date.parse(range.to);
  let t = firstStart(range.from, bucket);
  const step = bucket === "hour" ? HOUR_MS : bucket === "day" ? DAY_MS : 7 * DAY_MS;
  const out: string[] = [];
  for (; t < end; t += step) out.push(new Date(t).toISOString());
  return out;
}

function firstStart(from: string, bucket: Bucket): number {
  if (bucket === "hour") return Date.parse(`${from.slice(0, 13)}:00:00.000Z`);
  const day = bucket === "day" ? from.slice(0, 10) : mondayOf(from.slice(0, 10));
  return Date.parse(`${day}T00:00:00.000Z`);
}

function daysOf(range: Range): number {
  return (Date.parse(range.to) - Date.parse(range.from)) / DAY_MS;
}
