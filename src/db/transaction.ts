/**
 * Write transactions that behave the same on both dialects when processes compete.
 *
 * SQLite: a plain BEGIN reads first and upgrades to a write lock later, which fails at
 * once (SQLITE_BUSY_SNAPSHOT) when another process wrote in between; BEGIN IMMEDIATE
 * takes the write lock up front and waits for it (busy timeout), so writers queue.
 * PostgreSQL: a normal transaction; callers lock rows they decide on (FOR UPDATE) and
 * unique constraints catch the rest, and the whole transaction is retried on conflict.
 */
import { sql, type Kysely } from "kysely";
import { isRetryableConflict } from "./errors.js";
import type { DatabaseHandle } from "./open.js";
import type { Database } from "./schema.js";

export type Tx = Kysely<Database>;

export interface RetryOptions {
  /** Also retry when this says so (e.g. a unique violation on an auto-allocated version). */
  retryOn?: (err: unknown) => boolean;
  attempts?: number;
}

export async function writeTransaction<T>(
  handle: DatabaseHandle,
  fn: (tx: Tx) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 25;
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(handle, fn);
    } catch (err) {
      const retry = isRetryableConflict(err) || options.retryOn?.(err) === true;
      if (!retry || attempt >= attempts) throw err;
      // Jittered backoff so two colliding processes do not collide again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}

async function once<T>(handle: DatabaseHandle, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (handle.dialect === "postgres") return handle.db.transaction().execute(fn);
  // The connection is held for the whole transaction; fn must use `tx`, never handle.db.
  return handle.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}

/** `FOR UPDATE` where the dialect has it (SQLite's IMMEDIATE transaction already excludes writers). */
export function forUpdate(handle: DatabaseHandle): boolean {
  return handle.dialect === "postgres";
}
