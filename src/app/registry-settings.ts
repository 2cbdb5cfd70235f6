/**
 * How the registry's production snapshots are retained under Object Lock, read from the
 * environment first (BULWARK_SNAPSHOT_LOCK_MODE, BULWARK_SNAPSHOT_RETENTION_DAYS), then
 * the config file's `registry.snapshots` ({"mode": "compliance", "days": 365}), then the
 * registry's defaults (GOVERNANCE, 365 days).
 */
import { readFileSync } from "node:fs";
import type { BulwarkConfig } from "../core/config.js";
import { ValidationError } from "../core/errors.js";
import { DEFAULT_SNAPSHOT_RETENTION, type SnapshotRetention } from "../registry/config.js";

function fileSettings(configFile: string | undefined): { mode?: unknown; days?: unknown } {
  if (!configFile) return {};
  try {
    const parsed = JSON.parse(readFileSync(configFile, "utf8")) as {
      registry?: { snapshots?: { mode?: unknown; days?: unknown } };
    };
    return parsed.registry?.snapshots ?? {};
  } catch {
    // loadConfig already reported an unreadable file; nothing more to say here.
    return {};
  }
}

export function snapshotRetention(
  config: Pick<BulwarkConfig, "configFile">,
  env: Record<string, string | undefined> = process.env,
): SnapshotRetention {
  const file = fileSettings(config.configFile);
  const rawMode = env.BULWARK_SNAPSHOT_LOCK_MODE ?? file.mode;
  const rawDays = env.BULWARK_SNAPSHOT_RETENTION_DAYS ?? file.days;
  let mode = DEFAULT_SNAPSHOT_RETENTION.mode;
  if (rawMode !== undefined) {
    const m = String(rawMode).toUpperCase();
    if (m !== "GOVERNANCE" && m !== "COMPLIANCE")
      throw new ValidationError(
        `snapshot lock mode must be governance or compliance, got "${String(rawMode)}"`,
      );
    mode = m;
  }
  let days = DEFAULT_SNAPSHOT_RETENTION.days;
  if (rawDays !== undefined) {
    days = Number(rawDays);
    if (!Number.isInteger(days) || days < 1)
      throw new ValidationError(
        `snapshot retention days must be a whole number of at least 1, got "${String(rawDays)}"`,
      );
  }
  return { mode, days };
}
