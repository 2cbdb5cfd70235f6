/**
 * `restoreBackup`: a backup put back into an EMPTY metadata database, the everyday case
 * being a lost database beside a store that survived. Nothing is written until everything
 * checked out: the target is empty, the backup's schema is one this version knows, every
 * table file hashes to its manifest entry, and every object the backup lists is in the
 * store unchanged (unless the caller accepts missing ones). Then the target is migrated
 * to the backup's schema, the rows go in table by table in one transaction (all or
 * nothing), PostgreSQL sequences are moved past the restored ids, and the remaining
 * migrations of this version run.
 */
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { CompiledQuery, sql } from "kysely";
import type { AuditSink } from "../audit/sink.js";
import { describeError } from "../core/errors.js";
import { MigrationError } from "../db/errors.js";
import { migrations as allMigrations } from "../db/migrations/index.js";
import { createMigrator, runMigrations, type DatabaseHandle } from "../db/open.js";
import { writeTransaction } from "../db/transaction.js";
import { sha256Hex } from "../storage/hashing.js";
import type { ObjectStore } from "../storage/types.js";
import type { BackupProgress } from "./create.js";
import {
  BackupIntegrityError,
  BackupSchemaError,
  BackupTargetNotEmptyError,
  type BackupProblem,
} from "./errors.js";
import { fromDumpValue, type BackupManifest, type DumpValue } from "./format.js";
import { readManifest, readObjectList } from "./read.js";
import { EXCLUDED_TABLES, databaseTables, tableInfo, type AnyDb, type ColumnInfo } from "./tables.js";
import { checkObjects } from "./verify.js";

export interface RestoreOptions {
  /** Restore even when objects the backup lists are missing or changed (they are reported). */
  allowMissingObjects?: boolean;
  /** Skip reading every listed object (faster; the object check is then left to `verify`). */
  skipObjectCheck?: boolean;
  actor?: string;
  audit?: AuditSink;
  onProgress?: BackupProgress;
}

export interface RestoreReport {
  id: string;
  dialect: { from: string; to: string };
  tables: { name: string; rows: number }[];
  rows: number;
  /** Migrations run on the target (to the backup's schema, then to this version's). */
  migrated: string[];
  objectsChecked: number;
  objectProblems: BackupProblem[];
}

/** Rows per INSERT: under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
function batchRows(columns: number): number {
  return Math.max(1, Math.min(2000, Math.floor(30_000 / Math.max(1, columns))));
}

/** Tables of the target that hold rows (migration bookkeeping aside). */
async function nonEmptyTables(handle: DatabaseHandle): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of await databaseTables(handle.db, handle.dialect)) {
    if (table in EXCLUDED_TABLES) continue;
    const row = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(
      handle.db,
    );
    const n = Number(row.rows[0]?.n ?? 0);
    if (n > 0) out[table] = n;
  }
  return out;
}

async function appliedMigrations(handle: DatabaseHandle): Promise<Set<string>> {
  const tables = await databaseTables(handle.db, handle.dialect);
  if (!tables.includes("kysely_migration")) return new Set();
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(handle.db);
  return new Set(rows.rows.map((r) => r.name));
}

export async function restoreBackup(
  deps: { db: DatabaseHandle; store: ObjectStore },
  id: string,
  options: RestoreOptions = {},
): Promise<RestoreReport> {
  const progress = options.onProgress ?? (() => undefined);
  const { db: handle, store } = deps;
  const manifest = await readManifest(store, id);

  const known = new Set(Object.keys(allMigrations));
  const unknown = manifest.schema.migrations.filter((m) => !known.has(m));
  if (unknown.length > 0)
    throw new BackupSchemaError(
      `backup ${id} was taken by a newer Bulwark (migrations ${unknown.join(", ")} are unknown here): restore it with that version or later`,
      { unknown },
    );

  const busy = await nonEmptyTables(handle);
  if (Object.keys(busy).length > 0) throw new BackupTargetNotEmptyError(busy);

  const files = await loadTableFiles(store, manifest, progress);

  let objectsChecked = 0;
  let objectProblems: BackupProblem[] = [];
  if (!options.skipObjectCheck) {
    const objects = await readObjectList(store, manifest);
    objectProblems = await checkObjects(store, objects, progress);
    objectsChecked = objects.length;
    if (objectProblems.length > 0 && !options.allowMissingObjects)
      throw new BackupIntegrityError(
        `${objectProblems.length} of the ${objects.length} objects backup ${id} lists are missing or changed in the store ` +
          `(${objectProblems
            .slice(0, 5)
            .map((p) => p.key)
            .join(", ")}${objectProblems.length > 5 ? ", ..." : ""}); ` +
          "restore with --allow-missing-objects to accept that, or point the configuration at the store the backup was taken from",
        objectProblems,
      );
  }

  const migrated = await migrateTo(handle, manifest);

  const restored = await writeTransaction(
    handle,
    async (tx) => {
      const db = tx as unknown as AnyDb;
      const out: { name: string; rows: number }[] = [];
      for (const [i, table] of manifest.tables.entries()) {
        progress({ phase: "restore", done: i, total: manifest.tables.length, item: table.name });
        const rows = await insertTable(db, handle.dialect, table.name, table.columns, files.get(table.name)!);
        if (rows !== table.rows)
          throw new BackupIntegrityError(`${table.key} holds ${rows} rows, the manifest says ${table.rows}`, [
            {
              kind: "table",
              key: table.key,
              problem: "rows",
              message: `${rows} rows, expected ${table.rows}`,
            },
          ]);
        out.push({ name: table.name, rows });
      }
      if (handle.dialect === "postgres") await fixSequences(db);
      progress({ phase: "restore", done: manifest.tables.length, total: manifest.tables.length });
      return out;
    },
    { attempts: 1 },
  );
  migrated.push(...(await runMigrations(handle)));

  const report: RestoreReport = {
    id,
    dialect: { from: manifest.dialect, to: handle.dialect },
    tables: restored,
    rows: restored.reduce((n, t) => n + t.rows, 0),
    migrated,
    objectsChecked,
    objectProblems,
  };
  await options.audit?.record({
    actor: options.actor ?? "system",
    action: "backup.restore",
    target: id,
    outcome: "success",
    details: { from: manifest.dialect, rows: report.rows, objectProblems: objectProblems.length },
  });
  return report;
}

/** Every table file, read and checked against its SHA-256 before anything is inserted. */
async function loadTableFiles(
  store: ObjectStore,
  manifest: BackupManifest,
  progress: BackupProgress,
): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const problems: BackupProblem[] = [];
  for (const [i, t] of manifest.tables.entries()) {
    progress({ phase: "read", done: i, total: manifest.tables.length, item: t.key });
    let buf: Buffer;
    try {
      buf = await store.getBuffer(t.key);
    } catch (err) {
      problems.push({ kind: "table", key: t.key, problem: "missing", message: describeError(err) });
      continue;
    }
    const sha256 = sha256Hex(buf);
    if (sha256 !== t.sha256)
      problems.push({
        kind: "table",
        key: t.key,
        problem: "sha256",
        message: `${t.key} has SHA-256 ${sha256}, the manifest says ${t.sha256}`,
      });
    out.set(t.name, buf);
  }
  if (problems.length > 0)
    throw new BackupIntegrityError(
      `backup ${manifest.id} is damaged, nothing was restored: ${problems.map((p) => p.message).join("; ")}`,
      problems,
    );
  return out;
}

/** Brings the target to the backup's schema (a fresh database gets exactly its migrations). */
async function migrateTo(handle: DatabaseHandle, manifest: BackupManifest): Promise<string[]> {
  const last = manifest.schema.migrations.at(-1);
  if (!last) return [];
  const applied = await appliedMigrations(handle);
  if (manifest.schema.migrations.every((m) => applied.has(m))) return [];
  const { error, results } = await createMigrator(handle).migrateTo(last);
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new MigrationError(`database migration ${failed ?? "(setup)"} failed: ${describeError(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

async function insertTable(
  db: AnyDb,
  dialect: "sqlite" | "postgres",
  name: string,
  dumped: string[],
  file: Buffer,
): Promise<number> {
  const info = await tableInfo(db, dialect, name);
  if (info.columns.length === 0)
    throw new BackupSchemaError(`the target database has no table ${name}, which the backup holds`);
  const byName = new Map(info.columns.map((c) => [c.name, c]));
  const missing = dumped.filter((c) => !byName.has(c));
  if (missing.length > 0)
    throw new BackupSchemaError(`table ${name} of the target has no column ${missing.join(", ")}`, {
      table: name,
      missing,
    });
  const columns: ColumnInfo[] = dumped.map((c) => byName.get(c)!);
  const size = batchRows(columns.length);
  // One statement text per batch size, built once: building it through the query builder
  // for every batch of thousands of rows costs more than the insert itself.
  const statements = new Map<number, string>();
  const statement = (n: number) => {
    let text = statements.get(n);
    if (!text) {
      const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;
      let p = 0;
      const row = () => `(${columns.map(() => (dialect === "postgres" ? `$${++p}` : "?")).join(", ")})`;
      text = `insert into ${quote(name)} (${columns.map((c) => quote(c.name)).join(", ")}) values ${Array.from({ length: n }, row).join(", ")}`;
      statements.set(n, text);
    }
    return text;
  };
  let batch: unknown[] = [];
  let inBatch = 0;
  let rows = 0;
  const flush = async () => {
    if (inBatch === 0) return;
    await db.executeQuery(CompiledQuery.raw(statement(inBatch), batch));
    batch = [];
    inBatch = 0;
  };
  const lines = createInterface({ input: Readable.from(file).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const parsed = JSON.parse(line) as Record<string, DumpValue>;
    for (const c of columns) batch.push(fromDumpValue(parsed[c.name] ?? null, c, dialect));
    inBatch++;
    rows++;
    if (inBatch >= size) await flush();
  }
  await flush();
  return rows;
}

/** Serial and identity columns' sequences moved past the restored values (none exist today). */
async function fixSequences(db: AnyDb): Promise<void> {
  const seqs = await sql<{ table: string; column: string; seq: string }>`
    select c.table_name as table, c.column_name as column,
      pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) as seq
    from information_schema.columns c
    where c.table_schema = current_schema()
      and pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) is not null`.execute(db);
  for (const s of seqs.rows) {
    await sql`select setval(${s.seq}, coalesce((select max(${sql.ref(s.column)}) from ${sql.table(s.table)}), 1),
      (select count(*) > 0 from ${sql.table(s.table)}))`.execute(db);
  }
}
