/** Typed errors of datasets and their import. */
import { BulwarkError, type ErrorDetails } from "../core/errors.js";

export class DatasetNotFoundError extends BulwarkError {
  constructor(ref: string) {
    super(
      "DATASET_NOT_FOUND",
      `dataset "${ref}" not found: give a dataset id (ds_...), a name, name@version, "bundled", or an existing file or folder (see \`bulwark data ls\`)`,
      404,
      { ref },
    );
    this.name = "DatasetNotFoundError";
  }
}

/** A source could not be fetched: unreachable, refused, or answered with an error. */
export class ImportFailedError extends BulwarkError {
  constructor(message: string, details?: ErrorDetails, options?: ErrorOptions) {
    super("IMPORT_FAILED", message, 502, details, options);
    this.name = "ImportFailedError";
  }
}

export class ImportTooLargeError extends BulwarkError {
  constructor(source: string, limit: number) {
    super(
      "IMPORT_TOO_LARGE",
      `${source} is larger than the limit of ${limit} bytes (raise it with --max-bytes)`,
      413,
      { source, limit },
    );
    this.name = "ImportTooLargeError";
  }
}

export class ImportTimeoutError extends BulwarkError {
  constructor(source: string, timeoutMs: number, attempts: number) {
    super(
      "IMPORT_TIMEOUT",
      `${source} did not answer within ${timeoutMs} ms (${attempts} attempt${attempts === 1 ? "" : "s"}; raise it with --timeout)`,
      504,
      { source, timeoutMs, attempts },
    );
    this.name = "ImportTimeoutError";
  }
}

export class InvalidSourceError extends BulwarkError {
  constructor(message: string, details?: ErrorDetails) {
    super("INVALID_SOURCE", message, 400, details);
    this.name = "InvalidSourceError";
  }
}

/**
 * A line of a data file (or a sample of an envelope) longer than the limit. Never skipped:
 * the rest of the file cannot be trusted to be what it claims, and keeping the line would
 * cost memory the limit is there to bound.
 */
export class LineTooLongError extends BulwarkError {
  constructor(file: string, line: number, limit: number, what = "line") {
    super(
      "LINE_TOO_LONG",
      `${file}:${line}: ${what} is longer than the limit of ${limit} bytes (an operator can raise it with BULWARK_MAX_LINE_BYTES)`,
      413,
      { file, line, limit },
    );
    this.name = "LineTooLongError";
  }
}

/**
 * An import declared free of personal data (`--personal-data none`) whose rows hold some.
 * Refused rather than recorded as present: a declaration the rows contradict is a mistake
 * to fix, not a fact to keep. The message names where, and the kind, never the value.
 */
export class PersonalDataFoundError extends BulwarkError {
  constructor(where: string, type: string, details?: ErrorDetails) {
    super(
      "PERSONAL_DATA_FOUND",
      `${where}: personal data (${type}) found although the import was declared free of it (personal data "none"): ` +
        `redact it on import (--redact, or "redact": true), or declare it present`,
      422,
      { where, type, ...details },
    );
    this.name = "PersonalDataFoundError";
  }
}

/** Training on a dataset that holds personal data, not allowed explicitly. */
export class PersonalDataRefusedError extends BulwarkError {
  constructor(refs: string[]) {
    super(
      "PERSONAL_DATA_REFUSED",
      `${refs.join(", ")} ${refs.length === 1 ? "holds" : "hold"} personal data (personal data "present" in the manifest): ` +
        `re-import with --redact, or allow it for this run (--allow-personal-data, or "allowPersonalData": true)`,
      422,
      { datasets: refs },
    );
    this.name = "PersonalDataRefusedError";
  }
}
