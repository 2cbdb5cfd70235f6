/**
 * `openDatabase`: the metadata database behind one query layer (kysely), SQLite by
 * default (the file beside the data) and PostgreSQL when DATABASE_URL is set. Pending
 * migrations run on open, safely when several processes start at once.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  sql,
  type DialectAdapter,
  type Migration,
  type MigrationProvider,
} from "kysely";
import type { BulwarkConfig } from "../core/config.js";
import { maskUrlPassword } from "../core/redact.js";
import { describeError } from "../core/errors.js";
import { DatabaseUnavailableError, MigrationError } from "./errors.js";
import { migrations as allMigrations } from "./migrations/index.js";
import type { Database } from "./schema.js";
import { tracedDialect } from "./tracing.js";

export type Dialect = "sqlite" | "postgres";

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface DatabaseSettings {
  /** A postgres:// URL; when absent, SQLite at `sqlitePath`. */
  url?: string | undefined;
  sqlitePath: string;
}

export interface OpenOptions {
  /** Run pending migrations (default true). */
  migrate?: boolean;
  /** Migrations to use instead of src/db/migrations (tests). */
  migrations?: Record<string, Migration>;
  /** How long a SQLite writer waits for another process's lock, in ms (default 15 s). */
  busyTimeoutMs?: number;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /**
   * How long a query waits for a PostgreSQL connection, a new one or a free one from the
   * pool, in ms (default 1 s): past it the query fails with DATABASE_UNAVAILABLE (503)
   * rather than hanging while the server is down or the pool is exhausted.
   */
  connectTimeoutMs?: number;
}

/**
 * SQLite's DDL is transactional, but kysely runs SQLite migrations without a transaction
 * and without a lock, so two processes opening a fresh file could both create the tables.
 * This adapter holds a write lock (BEGIN IMMEDIATE) for the whole migration run, and rolls
 * back when a migration failed, so migrations are atomic and run once.
 */
class LockingSqliteAdapter extends SqliteAdapter {
  failed = false;

  override async acquireMigrationLock(db: Kysely<unknown>): Promise<void> {
    this.failed = false;
    await sql`begin immediate`.execute(db);
  }

  override async releaseMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql.raw(this.failed ? "rollback" : "commit").execute(db);
  }
}

class LockingSqliteDialect extends SqliteDialect {
  readonly adapter = new LockingSqliteAdapter();

  override createAdapter(): DialectAdapter {
    return this.adapter;
  }
}

function settingsOf(config: BulwarkConfig | DatabaseSettings): DatabaseSettings {
  return "database" in config ? config.database : config;
}

export async function openDatabase(
  config: BulwarkConfig | DatabaseSettings,
  options: OpenOptions = {},
): Promise<DatabaseHandle> {
  const settings = settingsOf(config);
  const handle = settings.url
    ? await openPostgres(settings.url, options)
    : await openSqlite(settings.sqlitePath, options);
  if (options.migrate !== false) {
    try {
      await runMigrations(handle, options.migrations ?? allMigrations);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  return handle;
}

/**
 * One connection per SQLite file per process, shared by every handle opened on it. Two
 * connections in one process would deadlock: better-sqlite3 waits for a lock
 * synchronously, blocking the event loop that the lock's holder needs to finish. Shared,
 * the second user waits for the connection asynchronously instead.
 */
const sharedSqlite = new Map<string, { db: Kysely<Database>; refs: number }>();

async function openSqlite(path: string, options: OpenOptions): Promise<DatabaseHandle> {
  // Loaded on demand so a PostgreSQL deployment never loads the native module.
  const { default: BetterSqlite3 } = await import("better-sqlite3");
  const key = resolve(path);
  let entry = sharedSqlite.get(key);
  if (!entry) {
    // The file holds the token signing key: private to this user from its first byte.
    // SQLite gives the -wal and -shm files the database file's permissions.
    mkdirSync(dirname(key), { recursive: true, mode: 0o700 });
    let native: InstanceType<typeof BetterSqlite3>;
    try {
      closeSync(openSync(key, "a", 0o600));
      native = new BetterSqlite3(key, { timeout: options.busyTimeoutMs ?? 15_000 });
      // WAL lets readers work while one process writes; NORMAL sync is durable in WAL mode
      // except for the last transactions on power loss, never corrupting.
      native.pragma("journal_mode = WAL");
      native.pragma("synchronous = NORMAL");
      native.pragma("foreign_keys = ON");
    } catch (err) {
      throw new DatabaseUnavailableError(`cannot open SQLite database ${key}: ${describeError(err)}`, {
        cause: err,
      });
    }
    entry = {
      db: new Kysely<Database>({
        dialect: tracedDialect(new LockingSqliteDialect({ database: native }), "sqlite"),
      }),
      refs: 0,
    };
    sharedSqlite.set(key, entry);
  }
  const shared = entry;
  shared.refs++;
  let closed = false;
  return {
    db: shared.db,
    dialect: "sqlite",
    async close() {
      if (closed) return;
      closed = true;
      if (--shared.refs > 0) return;
      sharedSqlite.delete(key);
      await shared.db.destroy();
    },
  };
}

async function openPostgres(url: string, options: OpenOptions): Promise<DatabaseHandle> {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 1_000,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new DatabaseUnavailableError(
      `cannot connect to PostgreSQL at ${maskUrlPassword(url)}: ${describeError(err)}`,
      { cause: err },
    );
  }
  // A connection that cannot be had is a typed 503, not an anonymous 500; the pool makes a
  // new one on the next query, so a restarted server is used again without a restart here.
  // A client checked out of the pool has no error listener of the pool's: a server
  // restart cutting it off between two queries would throw from an 'error' event and end
  // the process. The query in flight gets the error itself, and the pool drops the client.
  const listening = new WeakSet<object>();
  const guarded = {
    connect: async () => {
      let client;
      try {
        client = await pool.connect();
      } catch (err) {
        throw new DatabaseUnavailableError(`PostgreSQL is unavailable: ${describeError(err)}`, {
          cause: err,
        });
      }
      if (!listening.has(client)) {
        listening.add(client);
        client.on("error", () => undefined);
      }
      return client;
    },
    end: () => pool.end(),
  };
  const db = new Kysely<Database>({
    dialect: tracedDialect(new PostgresDialect({ pool: guarded }), "postgresql"),
  });
  return { db, dialect: "postgres", close: () => db.destroy() };
}

/** Marks a migration run as failed so the SQLite adapter rolls it back. */
function tracked(
  migrations: Record<string, Migration>,
  adapter: LockingSqliteAdapter | undefined,
): MigrationProvider {
  const wrap =
    (fn: Migration["up"]): Migration["up"] =>
    async (db) => {
      try {
        await fn(db);
      } catch (err) {
        if (adapter) adapter.failed = true;
        throw err;
      }
    };
  const out: Record<string, Migration> = {};
  for (const [name, m] of Object.entries(migrations)) {
    out[name] = { up: wrap(m.up), ...(m.down ? { down: wrap(m.down) } : {}) };
  }
  return { getMigrations: async () => out };
}

function adapterOf(handle: DatabaseHandle): LockingSqliteAdapter | undefined {
  const adapter = handle.db.getExecutor().adapter;
  return adapter instanceof LockingSqliteAdapter ? adapter : undefined;
}

export function createMigrator(handle: DatabaseHandle, migrations = allMigrations): Migrator {
  return new Migrator({ db: handle.db, provider: tracked(migrations, adapterOf(handle)) });
}

export async function runMigrations(handle: DatabaseHandle, migrations = allMigrations): Promise<string[]> {
  const migrator = createMigrator(handle, migrations);
  // The migration bookkeeping tables are created outside the lock, where two processes
  // can still race on a fresh database: retry once the other one has finished.
  for (let attempt = 0; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    if (failed || attempt >= 5) {
      throw new MigrationError(`database migration ${failed ?? "(setup)"} failed: ${describeError(error)}`, {
        cause: error,
      });
    }
    await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
  }
}
