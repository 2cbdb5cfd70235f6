/**
 * How long a stopping process (`bulwark serve`, `bulwark worker`) lets its running jobs
 * finish before it interrupts them and hands them back to the queue:
 * BULWARK_SHUTDOWN_GRACE_SECONDS (default 10, under the 30 s most orchestrators allow
 * between SIGTERM and SIGKILL).
 */
import { ValidationError } from "../core/errors.js";

export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;

export function shutdownGraceMs(env: Record<string, string | undefined>): number {
  const raw = env.BULWARK_SHUTDOWN_GRACE_SECONDS;
  if (raw === undefined || raw.trim() === "") return DEFAULT_SHUTDOWN_GRACE_SECONDS * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new ValidationError(
      `BULWARK_SHUTDOWN_GRACE_SECONDS must be a number of seconds >= 0, got "${raw}"`,
    );
  return Math.round(n * 1000);
}
