/**
 * What retention and erasure do to stored objects, written once: delete one version for
 * good unless Object Lock keeps it (then say plainly which lock, until when, and why), and
 * read a JSONL version's rows. Deleting by version id is what removes data on a versioned
 * bucket; a delete without one only hides the object behind a delete marker.
 */
import { ObjectLockedError } from "../storage/errors.js";
import { protectionReason } from "../storage/rules.js";
import type { LockMode, ObjectStore, VersionEntry } from "../storage/types.js";

/** An object version that could not be removed because the store protects it. */
export interface ProtectedVersion {
  key: string;
  versionId: string;
  /** The retention mode, when a retention is what protects it. */
  mode: LockMode | null;
  retainUntil: string | null;
  legalHold: boolean;
  /** In words: "COMPLIANCE retention until ...", "a legal hold is on". */
  reason: string;
}

export type DeleteOutcome = { deleted: true } | { deleted: false; protected: ProtectedVersion };

/** The lock on a version right now, or undefined when nothing protects it. */
export async function lockOf(
  store: ObjectStore,
  key: string,
  versionId: string,
  now = Date.now(),
): Promise<ProtectedVersion | undefined> {
  const info = await store.head(key, { versionId });
  const reason = protectionReason(info, now);
  if (!reason) return undefined;
  return {
    key,
    versionId,
    mode: info.retention?.mode ?? null,
    retainUntil: info.retention?.retainUntil ?? null,
    legalHold: info.legalHold,
    reason,
  };
}

/**
 * Deletes one version for good, never one under retention or legal hold: that one is
 * reported instead. A lock the head did not show (set between the two calls) is refused
 * by the store and reported the same way.
 */
export async function deleteVersion(
  store: ObjectStore,
  v: VersionEntry,
  now = Date.now(),
): Promise<DeleteOutcome> {
  if (!v.isDeleteMarker) {
    const lock = await lockOf(store, v.key, v.versionId, now);
    if (lock) return { deleted: false, protected: lock };
  }
  try {
    await store.delete(v.key, { versionId: v.versionId });
    return { deleted: true };
  } catch (err) {
    if (!(err instanceof ObjectLockedError)) throw err;
    const lock = await lockOf(store, v.key, v.versionId, now);
    return {
      deleted: false,
      protected: lock ?? {
        key: v.key,
        versionId: v.versionId,
        mode: null,
        retainUntil: null,
        legalHold: false,
        reason: err.message,
      },
    };
  }
}

/** Every version (delete markers left out) under a prefix, grouped by key, newest first. */
export async function versionsByKey(
  store: ObjectStore,
  prefix: string,
): Promise<Map<string, VersionEntry[]>> {
  const byKey = new Map<string, VersionEntry[]>();
  for await (const v of store.listAllVersions(prefix)) {
    if (v.isDeleteMarker) continue;
    const list = byKey.get(v.key);
    if (list) list.push(v);
    else byKey.set(v.key, [v]);
  }
  return byKey;
}

/** A JSONL version's lines, each parsed (a line that is not JSON is kept as null). */
export async function readJsonl(
  store: ObjectStore,
  key: string,
  versionId: string,
): Promise<{ line: string; row: Record<string, unknown> | null }[]> {
  const text = (await store.getBuffer(key, { versionId })).toString("utf8");
  const out: { line: string; row: Record<string, unknown> | null }[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let row: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
        row = parsed as Record<string, unknown>;
    } catch {
      row = null;
    }
    out.push({ line, row });
  }
  return out;
}
