/**
 * The backup format: where a backup's files live in the store, what its manifest says,
 * and how a row becomes a line of JSON that reads the same whichever database wrote it,
 * so a backup of SQLite restores into PostgreSQL and the other way round.
 *
 *   backups/{id}/db/{table}.jsonl.gz   one JSON object per row, columns in table order
 *   backups/{id}/objects.jsonl         {key, size, sha256, versionId} per store object
 *   backups/{id}/manifest.json         written last: a backup without it is incomplete
 *
 * {id} is the UTC second the backup started (20261202T071500Z) and a short random
 * suffix, so ids sort by time and two backups in one second do not collide.
 */
import { randomBytes } from "node:crypto";
import { PREFIXES } from "../storage/layout.js";
import type { LockMode } from "../storage/types.js";
import { BackupIdError } from "./errors.js";
import type { ColumnInfo } from "./tables.js";

export const BACKUP_FORMAT = "bulwark-backup/1";
export const BACKUPS_PREFIX = PREFIXES.backups;

const ID = /^\d{8}T\d{6}Z(-[a-z0-9]{1,16})?$/;

export function newBackupId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
  return `${stamp}-${randomBytes(2).toString("hex")}`;
}

export function isBackupId(id: string): boolean {
  return ID.test(id);
}

export function checkBackupId(id: string): string {
  if (!isBackupId(id)) throw new BackupIdError(id);
  return id;
}

/** The instant an id names (its second). */
export function idTime(id: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id)!;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}

export const backupKeys = {
  prefix: (id: string) => `${BACKUPS_PREFIX}${id}/`,
  manifest: (id: string) => `${BACKUPS_PREFIX}${id}/manifest.json`,
  objects: (id: string) => `${BACKUPS_PREFIX}${id}/objects.jsonl`,
  table: (id: string, table: string) => `${BACKUPS_PREFIX}${id}/db/${table}.jsonl.gz`,
};

export interface TableFile {
  name: string;
  key: string;
  rows: number;
  /** SHA-256 and size of the stored (gzipped) file. */
  sha256: string;
  size: number;
  columns: string[];
}

export interface ObjectRecord {
  key: string;
  size: number;
  sha256: string;
  versionId: string;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  id: string;
  createdAt: string;
  completedAt: string;
  createdBy: string;
  /** The database the backup was taken from. */
  dialect: "sqlite" | "postgres";
  /** The applied migrations, oldest first; `version` is their count. */
  schema: { version: number; migrations: string[] };
  tables: TableFile[];
  excludedTables: { name: string; reason: string }[];
  objects: { key: string; count: number; bytes: number; sha256: string; size: number };
  /** The Object Lock every file of the backup was written under, or null. */
  lock: { mode: LockMode; retainUntil: string } | null;
}

/** A value as stored in a dump line: JSON, the same for both dialects. */
export type DumpValue = string | number | boolean | null | { $base64: string };

/**
 * One database value as a dump value. PostgreSQL returns BIGINT as a string and SQLite a
 * number, so integers become numbers (or a decimal string beyond 2^53, which JSON numbers
 * cannot carry exactly); bytes become {$base64}; dates become ISO text; JSON columns of
 * PostgreSQL (jsonb) become their text, as SQLite's TEXT JSON already is.
 */
export function toDumpValue(value: unknown, column: ColumnInfo): DumpValue {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array)
    return { $base64: Buffer.from(value).toString("base64") };
  if (value instanceof Date) return value.toISOString();
  switch (column.kind) {
    case "integer": {
      if (typeof value === "bigint")
        return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
      if (typeof value === "string" && /^-?\d+$/.test(value))
        return Number.isSafeInteger(Number(value)) ? Number(value) : value;
      if (typeof value === "boolean") return value ? 1 : 0;
      return value as number;
    }
    case "real":
      return typeof value === "string" ? Number(value) : (value as number);
    case "boolean":
      return typeof value === "number" ? value !== 0 : Boolean(value);
    case "json":
      return typeof value === "string" ? value : JSON.stringify(value);
    default:
      if (typeof value === "bigint") return value.toString();
      return value as string | number | boolean;
  }
}

/** A dump value as a parameter for `dialect`. */
export function fromDumpValue(value: DumpValue, column: ColumnInfo, dialect: "sqlite" | "postgres"): unknown {
  if (value === null) return null;
  if (typeof value === "object") return Buffer.from(value.$base64, "base64");
  if (dialect === "sqlite") {
    if (typeof value === "boolean") return value ? 1 : 0;
    // SQLite's integers are 64-bit; only a BigInt carries one beyond 2^53 exactly.
    if (column.kind === "integer" && typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  } else if (column.kind === "boolean" && typeof value === "number") return value !== 0;
  return value;
}

/** A row as one dump line (no newline), its columns in the table's order. */
export function dumpLine(row: Record<string, unknown>, columns: ColumnInfo[]): string {
  const out: Record<string, DumpValue> = {};
  for (const c of columns) out[c.name] = toDumpValue(row[c.name], c);
  return JSON.stringify(out);
}
