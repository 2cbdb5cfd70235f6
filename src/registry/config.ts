/**
 * How production snapshots are retained under Object Lock. The application reads the
 * setting from its configuration (`app/registry-settings.ts`) and hands it to the registry.
 */
import type { LockMode } from "../storage/types.js";

export interface SnapshotRetention {
  mode: LockMode;
  days: number;
}

export const DEFAULT_SNAPSHOT_RETENTION: SnapshotRetention = { mode: "GOVERNANCE", days: 365 };
