/**
 * The ways a backup command refuses, each with a stable code so scripts (and the HTTP
 * API) can tell "no such backup" from "the target is not empty" from "the backup is damaged".
 */
import { BulwarkError, type ErrorDetails } from "../core/errors.js";

export class BackupNotFoundError extends BulwarkError {
  constructor(id: string) {
    super(
      "BACKUP_NOT_FOUND",
      `backup ${id} not found under backups/ in the object store: run \`bulwark backup ls\` for the ids`,
      404,
      { id },
    );
    this.name = "BackupNotFoundError";
  }
}

export class BackupIdError extends BulwarkError {
  constructor(id: string) {
    super(
      "BACKUP_BAD_ID",
      `"${id}" is not a backup id: ids look like 20261202T071500Z or 20261202T071500Z-a1b2 (see \`bulwark backup ls\`)`,
      400,
      { id },
    );
    this.name = "BackupIdError";
  }
}

export class BackupIncompleteError extends BulwarkError {
  constructor(id: string) {
    super(
      "BACKUP_INCOMPLETE",
      `backup ${id} has no manifest: it was interrupted before it finished and cannot be used; take a new one`,
      409,
      { id },
    );
    this.name = "BackupIncompleteError";
  }
}

export class BackupTargetNotEmptyError extends BulwarkError {
  constructor(tables: Record<string, number>) {
    super(
      "BACKUP_TARGET_NOT_EMPTY",
      `the target database already holds data (${Object.entries(tables)
        .map(([t, n]) => `${t}: ${n}`)
        .join(
          ", ",
        )}): restore only into an empty database (a new DATABASE_URL, or a home without bulwark.db)`,
      409,
      { tables },
    );
    this.name = "BackupTargetNotEmptyError";
  }
}

export class BackupSchemaError extends BulwarkError {
  constructor(message: string, details?: ErrorDetails) {
    super("BACKUP_SCHEMA_UNKNOWN", message, 409, details);
    this.name = "BackupSchemaError";
  }
}

export class BackupIntegrityError extends BulwarkError {
  constructor(message: string, problems: BackupProblem[]) {
    super("BACKUP_INTEGRITY", message, 422, { problems });
    this.name = "BackupIntegrityError";
  }
}

export class BackupLockUnavailableError extends BulwarkError {
  constructor(bucket: string) {
    super(
      "BACKUP_LOCK_UNAVAILABLE",
      `--lock-days needs Object Lock, and bucket ${bucket} has none: use a bucket created with Object Lock, or back up without --lock-days`,
      409,
      { bucket },
    );
    this.name = "BackupLockUnavailableError";
  }
}

/** One thing wrong with a backup or with the objects it lists. */
export interface BackupProblem {
  /** "table" (a table file), "object" (a listed store object) or "manifest". */
  kind: "table" | "object" | "manifest";
  key: string;
  /** "missing", "sha256" (content differs), "rows" (row count differs), "unreadable". */
  problem: "missing" | "sha256" | "rows" | "unreadable";
  message: string;
}
