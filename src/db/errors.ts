/** Typed errors of the metadata database. */
import { BulwarkError } from "../core/errors.js";

export class DatabaseUnavailableError extends BulwarkError {
  constructor(message: string, options?: ErrorOptions) {
    super("DATABASE_UNAVAILABLE", message, 503, undefined, options);
    this.name = "DatabaseUnavailableError";
  }
}

export class MigrationError extends BulwarkError {
  constructor(message: string, options?: ErrorOptions) {
    super("MIGRATION_FAILED", message, 500, undefined, options);
    this.name = "MigrationError";
  }
}

/** A unique constraint refused a row (SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY, PostgreSQL 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown } | null;
  return (
    e?.code === "23505" ||
    e?.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}

/** Transient conflicts worth retrying the whole transaction for. */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // 40001 serialization failure, 40P01 deadlock; SQLITE_BUSY after the busy timeout.
  return code === "40001" || code === "40P01" || code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT";
}

/** PostgreSQL's SQLSTATEs for a connection lost or refused: class 08, and 57P01-57P03 (shut down, restarting). */
const CONNECTION_STATES = /^(08...|57P0[123])$/;

/**
 * Whether a query failed because the database could not be reached (down, restarting, the
 * connection cut), not because of the query: the caller may answer 503 and try again later.
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === "string" && CONNECTION_STATES.test(e.code)) return true;
  return (
    typeof e?.message === "string" &&
    /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/.test(
      e.message,
    )
  );
}
