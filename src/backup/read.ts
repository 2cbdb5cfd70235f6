/** Finding backups in the store and reading their manifests: what `ls`, `verify` and `restore` start from. */
import { NoSuchKeyError } from "../storage/errors.js";
import type { ObjectStore } from "../storage/types.js";
import { BackupIncompleteError, BackupNotFoundError } from "./errors.js";
import {
  BACKUP_FORMAT,
  BACKUPS_PREFIX,
  backupKeys,
  checkBackupId,
  idTime,
  isBackupId,
  type BackupManifest,
  type ObjectRecord,
} from "./format.js";

export interface BackupSummary {
  id: string;
  /** When it started (the manifest's time, else the id's). */
  createdAt: string;
  /** Bytes of every file under backups/{id}/. */
  size: number;
  files: number;
  /** A manifest was written: the backup finished. */
  complete: boolean;
  /** Its files are under an Object Lock that has not ended. */
  locked: boolean;
  lockedUntil: string | null;
  dialect: string | null;
  tables: number | null;
  rows: number | null;
  objects: number | null;
}

/** The manifest of backup `id`; BACKUP_NOT_FOUND when nothing is there, BACKUP_INCOMPLETE when it has no manifest. */
export async function readManifest(store: ObjectStore, id: string): Promise<BackupManifest> {
  checkBackupId(id);
  let text: string;
  try {
    text = (await store.getBuffer(backupKeys.manifest(id))).toString("utf8");
  } catch (err) {
    if (!(err instanceof NoSuchKeyError)) throw err;
    const page = await store.list({ prefix: backupKeys.prefix(id), limit: 1 });
    if (page.objects.length > 0) throw new BackupIncompleteError(id);
    throw new BackupNotFoundError(id);
  }
  const manifest = JSON.parse(text) as BackupManifest;
  if (manifest.format !== BACKUP_FORMAT || manifest.id !== id) {
    throw new BackupIncompleteError(id);
  }
  return manifest;
}

export async function readObjectList(store: ObjectStore, manifest: BackupManifest): Promise<ObjectRecord[]> {
  const text = (await store.getBuffer(manifest.objects.key)).toString("utf8");
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ObjectRecord);
}

/** Every backup under backups/, oldest first, complete or not. */
export async function listBackups(store: ObjectStore, now = new Date()): Promise<BackupSummary[]> {
  const byId = new Map<string, { size: number; files: number }>();
  for await (const entry of store.listAll(BACKUPS_PREFIX)) {
    const id = entry.key.slice(BACKUPS_PREFIX.length).split("/")[0] ?? "";
    // backups/{kind}/ of the storage layout's row exports are not database backups.
    if (!isBackupId(id)) continue;
    const sum = byId.get(id) ?? { size: 0, files: 0 };
    sum.size += entry.size;
    sum.files++;
    byId.set(id, sum);
  }
  const out: BackupSummary[] = [];
  for (const id of [...byId.keys()].sort()) {
    const { size, files } = byId.get(id)!;
    let manifest: BackupManifest | undefined;
    try {
      manifest = await readManifest(store, id);
    } catch (err) {
      if (!(err instanceof BackupIncompleteError)) throw err;
    }
    const until = manifest?.lock?.retainUntil ?? null;
    out.push({
      id,
      createdAt: manifest?.createdAt ?? idTime(id),
      size,
      files,
      complete: manifest !== undefined,
      locked: until !== null && Date.parse(until) > now.getTime(),
      lockedUntil: until,
      dialect: manifest?.dialect ?? null,
      tables: manifest?.tables.length ?? null,
      rows: manifest ? manifest.tables.reduce((n, t) => n + t.rows, 0) : null,
      objects: manifest?.objects.count ?? null,
    });
  }
  return out;
}
