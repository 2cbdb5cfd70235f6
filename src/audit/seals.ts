/**
 * What the audit trail has sealed in the object store, read back for `verify`. Two kinds
 * of locked objects record a head of the chain (a seq and its hash) in their names:
 *
 *   snapshots/audit/audit_<from>-<to>_<hash>.jsonl   the entries from..to (snapshots)
 *   snapshots/audit/heads/head_<seq>_<hash>.json      just the head (anchors, written often)
 *
 * They are read with every version and delete marker, not as a live listing: a delete
 * without a version id is allowed on a locked object and only adds a marker, so a live
 * listing would let anyone with write access to the bucket hide the newest seal and then
 * cut the log back to the one before it. A marker is itself the evidence.
 */
import type { ObjectStore } from "../storage/types.js";

export const AUDIT_SNAPSHOT_PREFIX = "snapshots/audit/";
export const AUDIT_HEAD_PREFIX = `${AUDIT_SNAPSHOT_PREFIX}heads/`;

const SNAPSHOT_NAME = /^snapshots\/audit\/audit_(\d{10})-(\d{10})_([0-9a-f]{64})\.jsonl$/;
const HEAD_NAME = /^snapshots\/audit\/heads\/head_(\d{10})_([0-9a-f]{64})\.json$/;

const pad = (n: number) => String(n).padStart(10, "0");

export function snapshotKey(from: number, to: number, hash: string): string {
  return `${AUDIT_SNAPSHOT_PREFIX}audit_${pad(from)}-${pad(to)}_${hash}.jsonl`;
}

export function headKey(seq: number, hash: string): string {
  return `${AUDIT_HEAD_PREFIX}head_${pad(seq)}_${hash}.json`;
}

export interface Seal {
  key: string;
  kind: "snapshot" | "head";
  /** First entry of a snapshot; a head anchor covers no range of its own. */
  from?: number;
  /** The head it recorded. */
  to: number;
  hash: string;
  /** Version ids of the delete markers on the key: someone tried to hide it. */
  deleteMarkers: string[];
  /** False when only delete markers are left (its data versions were destroyed). */
  hasData: boolean;
}

/** Every seal ever written and still named in the bucket, oldest head first. */
export async function readSeals(store: ObjectStore): Promise<Seal[]> {
  const byKey = new Map<string, Seal>();
  for await (const v of store.listAllVersions(AUDIT_SNAPSHOT_PREFIX)) {
    let seal = byKey.get(v.key);
    if (!seal) {
      const parsed = parseSealKey(v.key);
      if (!parsed) continue;
      seal = { ...parsed, deleteMarkers: [], hasData: false };
      byKey.set(v.key, seal);
    }
    if (v.isDeleteMarker) seal.deleteMarkers.push(v.versionId);
    else seal.hasData = true;
  }
  return [...byKey.values()].sort((a, b) => a.to - b.to || a.key.localeCompare(b.key));
}

function parseSealKey(key: string): Pick<Seal, "key" | "kind" | "from" | "to" | "hash"> | undefined {
  const s = SNAPSHOT_NAME.exec(key);
  if (s) return { key, kind: "snapshot", from: Number(s[1]), to: Number(s[2]), hash: s[3]! };
  const h = HEAD_NAME.exec(key);
  if (h) return { key, kind: "head", to: Number(h[1]), hash: h[2]! };
  return undefined;
}
