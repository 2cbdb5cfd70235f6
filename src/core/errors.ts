/**
 * Typed errors with stable machine codes. Every layer throws these; the CLI prints
 * `message` and exits non-zero, the HTTP server maps `status` and `code` to its response.
 */
export type ErrorDetails = Record<string, unknown>;

export class BulwarkError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetails | undefined;

  constructor(code: string, message: string, status = 400, details?: ErrorDetails, options?: ErrorOptions) {
    super(message, options);
    this.name = "BulwarkError";
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export class ValidationError extends BulwarkError {
  constructor(message: string, details?: ErrorDetails) {
    super("VALIDATION_ERROR", message, 400, details);
    this.name = "ValidationError";
  }
}

export class NotFoundError extends BulwarkError {
  constructor(what: string, details?: ErrorDetails) {
    super("NOT_FOUND", `${what} not found`, 404, details);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends BulwarkError {
  constructor(message: string, details?: ErrorDetails) {
    super("CONFLICT", message, 409, details);
    this.name = "ConflictError";
  }
}

export class IntegrityError extends BulwarkError {
  constructor(message: string, details?: ErrorDetails) {
    super("INTEGRITY_ERROR", message, 422, details);
    this.name = "IntegrityError";
  }
}

export function isBulwarkError(err: unknown): err is BulwarkError {
  return err instanceof BulwarkError;
}

/** A one-line description of any thrown value, for CLI output and logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
