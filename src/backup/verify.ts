/**
 * `verifyBackup`: every file of a backup read back and hashed against its manifest, and
 * every object the backup lists read from the store and hashed against the list, so a
 * damaged or incomplete backup is found before the day it is needed.
 */
import { NoSuchKeyError } from "../storage/errors.js";
import { hashStream } from "../storage/hashing.js";
import type { ObjectStore } from "../storage/types.js";
import type { BackupProblem } from "./errors.js";
import type { BackupProgress } from "./create.js";
import type { BackupManifest, ObjectRecord } from "./format.js";
import { readManifest, readObjectList } from "./read.js";

export interface VerifyBackupReport {
  id: string;
  ok: boolean;
  tablesChecked: number;
  objectsChecked: number;
  problems: BackupProblem[];
}

async function hashOf(
  store: ObjectStore,
  key: string,
): Promise<{ sha256: string; size: number } | undefined> {
  try {
    return await hashStream(await store.get(key));
  } catch (err) {
    if (err instanceof NoSuchKeyError) return undefined;
    throw err;
  }
}

/** The backup's own files (table dumps and the object list) against the manifest. */
export async function checkBackupFiles(
  store: ObjectStore,
  manifest: BackupManifest,
  progress: BackupProgress = () => undefined,
): Promise<BackupProblem[]> {
  const problems: BackupProblem[] = [];
  const files = [
    ...manifest.tables.map((t) => ({ kind: "table" as const, key: t.key, sha256: t.sha256, size: t.size })),
    { kind: "manifest" as const, ...manifest.objects },
  ];
  for (const [i, f] of files.entries()) {
    progress({ phase: "backup files", done: i, total: files.length, item: f.key });
    const got = await hashOf(store, f.key);
    if (!got) problems.push({ kind: f.kind, key: f.key, problem: "missing", message: `${f.key} is missing` });
    else if (got.sha256 !== f.sha256 || got.size !== f.size)
      problems.push({
        kind: f.kind,
        key: f.key,
        problem: "sha256",
        message: `${f.key} has SHA-256 ${got.sha256} (${got.size} bytes), the manifest says ${f.sha256} (${f.size} bytes)`,
      });
  }
  return problems;
}

/** The listed objects against the store as it is now: missing or changed ones are problems. */
export async function checkObjects(
  store: ObjectStore,
  objects: ObjectRecord[],
  progress: BackupProgress = () => undefined,
): Promise<BackupProblem[]> {
  const problems: BackupProblem[] = [];
  for (const [i, o] of objects.entries()) {
    if (i % 50 === 0) progress({ phase: "objects", done: i, total: objects.length, item: o.key });
    const got = await hashOf(store, o.key);
    if (!got)
      problems.push({
        kind: "object",
        key: o.key,
        problem: "missing",
        message: `${o.key} is missing from the store`,
      });
    else if (got.sha256 !== o.sha256)
      problems.push({
        kind: "object",
        key: o.key,
        problem: "sha256",
        message: `${o.key} has SHA-256 ${got.sha256}, the backup recorded ${o.sha256}`,
      });
  }
  progress({ phase: "objects", done: objects.length, total: objects.length });
  return problems;
}

export async function verifyBackup(
  store: ObjectStore,
  id: string,
  progress: BackupProgress = () => undefined,
): Promise<VerifyBackupReport> {
  const manifest = await readManifest(store, id);
  const problems = await checkBackupFiles(store, manifest, progress);
  let objectsChecked = 0;
  if (!problems.some((p) => p.key === manifest.objects.key)) {
    const objects = await readObjectList(store, manifest);
    problems.push(...(await checkObjects(store, objects, progress)));
    objectsChecked = objects.length;
  }
  return { id, ok: problems.length === 0, tablesChecked: manifest.tables.length, objectsChecked, problems };
}
