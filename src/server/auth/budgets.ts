/**
 * An API key's own budgets: a rate limit (requests per second, minute, hour or day, in a
 * fixed window) and a daily quota (requests per UTC day). Written `600/min` and
 * `100000/day` on the command line, `{limit, window}` in the API; a key without its own
 * budget has the service's defaults (BULWARK_RATE_LIMIT_PER_KEY per window).
 */
import { ValidationError } from "../../core/errors.js";

export const RATE_WINDOWS = ["second", "minute", "hour", "day"] as const;
export type RateWindow = (typeof RATE_WINDOWS)[number];

export const WINDOW_MS: Record<RateWindow, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

export const MAX_BUDGET = 1_000_000_000;

export interface KeyRateLimit {
  limit: number;
  window: RateWindow;
}

export interface KeyQuota {
  limit: number;
  window: "day";
}

/** What the guard enforces for one key: its own rate limit and daily quota, when it has them. */
export interface KeyBudget {
  rateLimit?: { limit: number; windowMs: number };
  dailyQuota?: number;
}

const UNITS: Record<string, RateWindow> = {
  s: "second",
  sec: "second",
  second: "second",
  m: "minute",
  min: "minute",
  minute: "minute",
  h: "hour",
  hour: "hour",
  d: "day",
  day: "day",
};
const SHORT: Record<RateWindow, string> = { second: "s", minute: "min", hour: "h", day: "day" };

export function checkBudgetLimit(limit: number, what: string): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BUDGET)
    throw new ValidationError(
      `${what}: the limit must be a whole number from 1 to ${MAX_BUDGET}, got ${limit}`,
    );
}

/** `600/min`, `10/s`, `36000/hour`: a limit and its window. */
export function parseRateLimit(spec: string): KeyRateLimit {
  const m = /^\s*(\d+)\s*\/\s*([a-z]+)\s*$/i.exec(spec);
  const window = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || !window)
    throw new ValidationError(
      `rate limit "${spec.slice(0, 50)}" is not understood: write requests/window, e.g. 600/min (windows: s, min, h, day)`,
    );
  const limit = Number(m[1]);
  checkBudgetLimit(limit, `rate limit "${spec}"`);
  return { limit, window };
}

/** `100000/day`: requests per UTC day. */
export function parseQuota(spec: string): KeyQuota {
  const m = /^\s*(\d+)\s*\/\s*(d|day)\s*$/i.exec(spec);
  if (!m)
    throw new ValidationError(
      `quota "${spec.slice(0, 50)}" is not understood: write requests/day, e.g. 100000/day (quotas are per UTC day)`,
    );
  const limit = Number(m[1]);
  checkBudgetLimit(limit, `quota "${spec}"`);
  return { limit, window: "day" };
}

export function formatRateLimit(r: KeyRateLimit): string {
  return `${r.limit}/${SHORT[r.window]}`;
}

/** Milliseconds until the next 00:00 UTC, when daily quotas start again. */
export function msUntilUtcMidnight(now: number): number {
  return WINDOW_MS.day - (now % WINDOW_MS.day);
}
