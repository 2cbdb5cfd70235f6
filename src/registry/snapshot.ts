/**
 * Registry snapshots: on every production change, the model's versions and stage history
 * as one JSON object in snapshots/registry/, retained under Object Lock when the bucket
 * has it, so the record of what was in production, and who put it there, outlives anyone
 * with write access to the database. On a bucket without Object Lock the snapshot is
 * still written and reported as `locked: false`.
 */
import { timestamp } from "../storage/layout.js";
import { PREFIXES } from "../storage/layout.js";
import type { ObjectStore } from "../storage/types.js";
import type { SnapshotRetention } from "./config.js";

export interface SnapshotResult {
  key: string;
  versionId: string;
  sha256: string;
  locked: boolean;
  retainUntil?: string;
  mode?: string;
}

export async function writeSnapshot(
  store: ObjectStore,
  model: string,
  content: object,
  retention: SnapshotRetention,
  now: Date = new Date(),
): Promise<SnapshotResult> {
  const key = `${PREFIXES.snapshots}registry/registry_${model}_${timestamp(now)}.json`;
  const lock = await store.getLockConfig().catch(() => ({ enabled: false }));
  const body = `${JSON.stringify({ ...content, snapshotKey: key }, null, 2)}\n`;
  if (!lock.enabled) {
    const put = await store.put(key, body, { contentType: "application/json", metadata: { model } });
    return { key, versionId: put.versionId, sha256: put.sha256, locked: false };
  }
  const retainUntil = new Date(now.getTime() + retention.days * 86_400_000).toISOString();
  const put = await store.put(key, body, {
    contentType: "application/json",
    metadata: { model },
    retention: { mode: retention.mode, retainUntil },
  });
  return {
    key,
    versionId: put.versionId,
    sha256: put.sha256,
    locked: true,
    retainUntil,
    mode: retention.mode,
  };
}
