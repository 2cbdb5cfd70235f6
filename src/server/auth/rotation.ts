/**
 * How long a rotated key's previous secret stays valid: `24h` (the default), `30m`,
 * `90s`, `7d`, `0` (not at all), at most 30 days.
 */
import { ValidationError } from "../../core/errors.js";

export const DEFAULT_GRACE = "24h";
const MAX_GRACE_MS = 30 * 86_400_000;
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function parseGrace(spec: string): number {
  const m = /^\s*(\d+)\s*(ms|s|m|min|h|d)?\s*$/i.exec(spec);
  const unit = m?.[2]?.toLowerCase();
  if (!m || (unit === undefined && m[1] !== "0"))
    throw new ValidationError(
      `grace "${spec.slice(0, 50)}" is not understood: write a duration such as 24h, 30m, 90s or 7d (0: none)`,
    );
  const ms = Number(m[1]) * (unit ? UNIT_MS[unit]! : 0);
  if (ms > MAX_GRACE_MS) throw new ValidationError(`grace "${spec}" is longer than 30 days`);
  return ms;
}
