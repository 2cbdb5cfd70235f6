/**
 * Every table read as of one instant. PostgreSQL: one REPEATABLE READ, READ ONLY
 * transaction, whose snapshot covers every statement in it. SQLite: one read
 * transaction on a connection of its own (WAL lets it read while the service writes, and
 * the shared connection of this process stays free, so a server taking a backup keeps
 * answering); an in-memory database has no second connection and uses the shared one.
 *
 * Tables are read in pages ordered by primary key (keyset pagination, row values work on
 * both dialects), so memory stays flat and the event loop turns between pages.
 */
import { sql, Kysely, SqliteDialect, type RawBuilder } from "kysely";
import type { DatabaseHandle, Dialect } from "../db/open.js";
import type { AnyDb, TableInfo } from "./tables.js";

export async function withReadSnapshot<T>(handle: DatabaseHandle, fn: (db: AnyDb) => Promise<T>): Promise<T> {
  if (handle.dialect === "postgres") {
    return inTransaction(handle.db, sql`begin isolation level repeatable read read only`, fn);
  }
  const file = await sqliteFile(handle.db);
  if (!file) return sqliteTransaction(handle.db, fn);
  const { default: BetterSqlite3 } = await import("better-sqlite3");
  const native = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  const own: AnyDb = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database: native }) });
  try {
    return await sqliteTransaction(own, fn);
  } finally {
    await own.destroy();
  }
}

async function sqliteFile(db: AnyDb): Promise<string | undefined> {
  const rows = await sql<{ name: string; file: string }>`pragma database_list`.execute(db);
  const main = rows.rows.find((r) => r.name === "main");
  return main?.file ? main.file : undefined;
}

/** A deferred BEGIN (SQLite) takes its snapshot at the first read and keeps it until COMMIT. */
function sqliteTransaction<T>(db: AnyDb, fn: (db: AnyDb) => Promise<T>): Promise<T> {
  return inTransaction(db, sql`begin`, fn);
}

/** Runs `fn` on one connection between `begin` and COMMIT (ROLLBACK when it throws). */
function inTransaction<T>(db: AnyDb, begin: RawBuilder<unknown>, fn: (db: AnyDb) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await begin.execute(conn);
    try {
      const out = await fn(conn);
      await sql`commit`.execute(conn);
      return out;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}

/** The rows of a table, a page at a time, in primary-key order. */
export async function* readPages(
  db: AnyDb,
  _dialect: Dialect,
  table: TableInfo,
  pageSize = 2000,
): AsyncGenerator<Record<string, unknown>[]> {
  const cols = sql.join(table.columns.map((c) => sql.ref(c.name)));
  if (table.key.length === 0) {
    // No key to page by: read it whole (no such table exists today).
    const all = await sql<Record<string, unknown>>`select ${cols} from ${sql.table(table.name)}`.execute(db);
    if (all.rows.length) yield all.rows;
    return;
  }
  const keyRefs = sql.join(table.key.map((k) => sql.ref(k)));
  let last: unknown[] | undefined;
  for (;;) {
    const after = last ? sql`where (${keyRefs}) > (${sql.join(last)})` : sql``;
    const page = await sql<Record<string, unknown>>`
      select ${cols} from ${sql.table(table.name)} ${after}
      order by ${keyRefs} limit ${sql.lit(pageSize)}`.execute(db);
    if (page.rows.length === 0) return;
    yield page.rows;
    if (page.rows.length < pageSize) return;
    const tail = page.rows[page.rows.length - 1]!;
    last = table.key.map((k) => tail[k]);
  }
}
