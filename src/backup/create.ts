/**
 * `createBackup`: every table of the metadata database, read in one snapshot, and a list
 * of the store's objects with their SHA-256, written under backups/{id}/ and optionally
 * under Object Lock. The manifest is written last, so a backup interrupted halfway has
 * none and is never mistaken for a usable one.
 */
import { PassThrough } from "node:stream";
import { createGzip } from "node:zlib";
import type { AuditSink } from "../audit/sink.js";
import type { DatabaseHandle } from "../db/open.js";
import { NoSuchKeyError } from "../storage/errors.js";
import { hashStream } from "../storage/hashing.js";
import type { LockMode, ObjectStore, PutOptions, PutResult, Retention } from "../storage/types.js";
import { BackupLockUnavailableError } from "./errors.js";
import {
  BACKUP_FORMAT,
  BACKUPS_PREFIX,
  backupKeys,
  dumpLine,
  newBackupId,
  type BackupManifest,
  type ObjectRecord,
  type TableFile,
} from "./format.js";
import { withReadSnapshot, readPages } from "./snapshot.js";
import { BACKED_UP_TABLES, EXCLUDED_TABLES, databaseTables, tableInfo } from "./tables.js";

export interface BackupDeps {
  db: DatabaseHandle;
  store: ObjectStore;
}

/** What a long step reports: a phase, and how far it is when that is known. */
export type BackupProgress = (event: { phase: string; done: number; total?: number; item?: string }) => void;

export interface CreateBackupOptions {
  /** Keep every file of the backup under Object Lock this many days (0 or absent: no lock). */
  lockDays?: number;
  lockMode?: LockMode;
  createdBy?: string;
  now?: () => Date;
  onProgress?: BackupProgress;
  /** Told once the backup is complete (the entry is not in the backup itself). */
  audit?: AuditSink;
}

export async function createBackup(
  deps: BackupDeps,
  options: CreateBackupOptions = {},
): Promise<BackupManifest> {
  const now = options.now ?? (() => new Date());
  const progress = options.onProgress ?? (() => undefined);
  const started = now();
  const id = newBackupId(started);
  let retention: Retention | undefined;
  if (options.lockDays && options.lockDays > 0) {
    // Refused up front rather than after writing an unlocked copy someone relies on.
    if (!(await deps.store.getLockConfig()).enabled) throw new BackupLockUnavailableError(deps.store.bucket);
    retention = {
      mode: options.lockMode ?? "GOVERNANCE",
      retainUntil: new Date(started.getTime() + options.lockDays * 86_400_000).toISOString(),
    };
  }
  const put = (key: string, body: Parameters<ObjectStore["put"]>[1], contentType: string) =>
    deps.store.put(key, body, { contentType, ...(retention ? { retention } : {}) } satisfies PutOptions);

  const { tables, migrations } = await dumpDatabase(deps.db, id, put, progress);
  const objects = await listObjects(deps.store, progress);
  const objectsBody = objects.map((o) => `${JSON.stringify(o)}\n`).join("");
  const objectsPut = await put(backupKeys.objects(id), objectsBody, "application/x-ndjson");

  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    id,
    createdAt: started.toISOString(),
    completedAt: now().toISOString(),
    createdBy: options.createdBy ?? "system",
    dialect: deps.db.dialect,
    schema: { version: migrations.length, migrations },
    tables,
    excludedTables: Object.entries(EXCLUDED_TABLES).map(([name, reason]) => ({ name, reason })),
    objects: {
      key: backupKeys.objects(id),
      count: objects.length,
      bytes: objects.reduce((n, o) => n + o.size, 0),
      sha256: objectsPut.sha256,
      size: objectsPut.size,
    },
    lock: retention ? { mode: retention.mode, retainUntil: retention.retainUntil } : null,
  };
  progress({ phase: "manifest", done: 1, total: 1 });
  await put(backupKeys.manifest(id), `${JSON.stringify(manifest, null, 2)}\n`, "application/json");
  await options.audit?.record({
    actor: manifest.createdBy,
    action: "backup.create",
    target: id,
    outcome: "success",
    details: {
      tables: tables.length,
      rows: tables.reduce((n, t) => n + t.rows, 0),
      objects: objects.length,
      locked: retention ? retention.retainUntil : null,
    },
  });
  return manifest;
}

type Put = (key: string, body: Parameters<ObjectStore["put"]>[1], contentType: string) => Promise<PutResult>;

async function dumpDatabase(
  handle: DatabaseHandle,
  id: string,
  put: Put,
  progress: BackupProgress,
): Promise<{ tables: TableFile[]; migrations: string[] }> {
  return withReadSnapshot(handle, async (db) => {
    const present = new Set(await databaseTables(db, handle.dialect));
    // A table nobody listed is backed up anyway (after the known ones): losing data
    // because a list was not updated would be worse than an unplanned file.
    const unknown = [...present].filter(
      (t) => !(BACKED_UP_TABLES as readonly string[]).includes(t) && !(t in EXCLUDED_TABLES),
    );
    const names = [...BACKED_UP_TABLES.filter((t) => present.has(t)), ...unknown];
    const migrations = present.has("kysely_migration")
      ? (await db.selectFrom("kysely_migration").select("name").orderBy("name").execute()).map((r) =>
          String(r.name),
        )
      : [];
    const out: TableFile[] = [];
    for (const [i, name] of names.entries()) {
      progress({ phase: "tables", done: i, total: names.length, item: name });
      const info = await tableInfo(db, handle.dialect, name);
      const body = new PassThrough();
      const gzip = createGzip();
      gzip.pipe(body);
      const stored = put(backupKeys.table(id, name), body, "application/gzip");
      // A failed upload must not leave the writer waiting for a drain that never comes.
      stored.catch(() => gzip.destroy());
      let rows = 0;
      try {
        for await (const page of readPages(db, handle.dialect, info)) {
          const text = page.map((r) => `${dumpLine(r, info.columns)}\n`).join("");
          rows += page.length;
          if (!gzip.write(text)) await new Promise((r) => gzip.once("drain", r));
        }
      } finally {
        gzip.end();
      }
      const result = await stored;
      out.push({
        name,
        key: result.key,
        rows,
        sha256: result.sha256,
        size: result.size,
        columns: info.columns.map((c) => c.name),
      });
    }
    progress({ phase: "tables", done: names.length, total: names.length });
    return { tables: out, migrations };
  });
}

/**
 * Every object outside backups/ with its SHA-256: the one stored on write when there is
 * one, else computed by reading it (an object another tool wrote).
 */
async function listObjects(store: ObjectStore, progress: BackupProgress): Promise<ObjectRecord[]> {
  const out: ObjectRecord[] = [];
  for await (const entry of store.listAll("")) {
    if (entry.key.startsWith(BACKUPS_PREFIX)) continue;
    let info;
    try {
      info = await store.head(entry.key);
    } catch (err) {
      // Deleted between the listing and now: it is not part of this backup.
      if (err instanceof NoSuchKeyError) continue;
      throw err;
    }
    const sha256 = info.sha256 || (await hashStream(await store.get(entry.key))).sha256;
    out.push({ key: entry.key, size: info.size, sha256, versionId: info.versionId });
    if (out.length % 100 === 0) progress({ phase: "objects", done: out.length });
  }
  progress({ phase: "objects", done: out.length, total: out.length });
  return out;
}
