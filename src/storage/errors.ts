/**
 * Typed errors of the object store. Both backends throw exactly these, with the same
 * codes, so callers (CLI, HTTP server, learning loop) never look at S3 error names.
 */
import { BulwarkError, type ErrorDetails } from "../core/errors.js";

export class StorageError extends BulwarkError {
  constructor(code: string, message: string, status: number, details?: ErrorDetails, options?: ErrorOptions) {
    super(code, message, status, details, options);
    this.name = "StorageError";
  }
}

/** A delete of a version under retention or legal hold (S3: 403 AccessDenied or MinIO's 400). */
export class ObjectLockedError extends StorageError {
  constructor(message: string, details?: ErrorDetails, options?: ErrorOptions) {
    super("OBJECT_LOCKED", message, 409, details, options);
    this.name = "ObjectLockedError";
  }
}

/** Shortening or weakening a retention that forbids it (COMPLIANCE always, GOVERNANCE without bypass). */
export class RetentionShorteningError extends StorageError {
  constructor(message: string, details?: ErrorDetails, options?: ErrorOptions) {
    super("RETENTION_SHORTENING_REFUSED", message, 409, details, options);
    this.name = "RetentionShorteningError";
  }
}

/** WORM was asked of a bucket that was created without Object Lock. */
export class BucketLockNotEnabledError extends StorageError {
  constructor(bucket: string, what = "Object Lock", options?: ErrorOptions) {
    super(
      "BUCKET_LOCK_NOT_ENABLED",
      `bucket "${bucket}" was created without Object Lock, so ${what} cannot be used on it. ` +
        `S3 cannot turn Object Lock on for an existing bucket: create a new bucket with Object Lock ` +
        `enabled (bulwark storage init --object-lock with BULWARK_BUCKET set to a new name), ` +
        `copy the objects over and point BULWARK_BUCKET (or MINIO_BUCKET) at it`,
      409,
      { bucket },
      options,
    );
    this.name = "BucketLockNotEnabledError";
  }
}

export class InvalidKeyError extends StorageError {
  constructor(key: string, reason: string) {
    super("INVALID_KEY", `invalid object key ${JSON.stringify(key.slice(0, 200))}: ${reason}`, 400, {
      reason,
    });
    this.name = "InvalidKeyError";
  }
}

export class NoSuchKeyError extends StorageError {
  constructor(key: string, options?: ErrorOptions) {
    super("NO_SUCH_KEY", `object "${key}" not found`, 404, { key }, options);
    this.name = "NoSuchKeyError";
  }
}

export class NoSuchVersionError extends StorageError {
  constructor(key: string, versionId: string, reason = "not found", options?: ErrorOptions) {
    super("NO_SUCH_VERSION", `version ${versionId} of "${key}" ${reason}`, 404, { key, versionId }, options);
    this.name = "NoSuchVersionError";
  }
}

export class NoSuchBucketError extends StorageError {
  constructor(bucket: string, options?: ErrorOptions) {
    super(
      "NO_SUCH_BUCKET",
      `bucket "${bucket}" does not exist: run \`bulwark storage init\` (add --object-lock for WORM)`,
      404,
      { bucket },
      options,
    );
    this.name = "NoSuchBucketError";
  }
}

export class InvalidRangeError extends StorageError {
  constructor(key: string, start?: number, size?: number) {
    super(
      "INVALID_RANGE",
      start !== undefined && size !== undefined
        ? `range starting at byte ${start} is outside "${key}" (${size} bytes)`
        : `the byte range is outside "${key}"`,
      416,
      { key, start, size },
    );
    this.name = "InvalidRangeError";
  }
}

/** Bad arguments to a storage call: retention in the past, bad metadata, bad expiry... */
export class StorageArgumentError extends StorageError {
  constructor(message: string, details?: ErrorDetails) {
    super("INVALID_ARGUMENT", message, 400, details);
    this.name = "StorageArgumentError";
  }
}

/** testDeletionProtection refuses to try a delete that could succeed. */
export class NotProtectedError extends StorageError {
  constructor(key: string, versionId: string, why: string) {
    super(
      "NOT_PROTECTED",
      `refusing to test deletion of "${key}" version ${versionId}: ${why}, so the delete could succeed and destroy data`,
      409,
      { key, versionId },
    );
    this.name = "NotProtectedError";
  }
}

export class PresignExpiredError extends StorageError {
  constructor(expiredAt: string) {
    super("PRESIGN_EXPIRED", `the link expired at ${expiredAt}`, 403, { expiredAt });
    this.name = "PresignExpiredError";
  }
}

export class PresignInvalidError extends StorageError {
  constructor(reason: string) {
    super("PRESIGN_INVALID", `the link is not valid: ${reason}`, 403, { reason });
    this.name = "PresignInvalidError";
  }
}

/** The content read back does not match the SHA-256 computed on write. */
export class ChecksumMismatchError extends StorageError {
  constructor(key: string, expected: string, actual: string) {
    super(
      "CHECKSUM_MISMATCH",
      `SHA-256 of "${key}" does not match: stored ${expected}, read ${actual}`,
      422,
      {
        key,
        expected,
        actual,
      },
    );
    this.name = "ChecksumMismatchError";
  }
}

/** The backend could not be reached or answered something unexpected. */
export class StorageUnavailableError extends StorageError {
  constructor(message: string, options?: ErrorOptions) {
    super("STORAGE_UNAVAILABLE", message, 503, undefined, options);
    this.name = "StorageUnavailableError";
  }
}

export class StorageAccessDeniedError extends StorageError {
  constructor(message: string, options?: ErrorOptions) {
    super("STORAGE_ACCESS_DENIED", message, 403, undefined, options);
    this.name = "StorageAccessDeniedError";
  }
}
