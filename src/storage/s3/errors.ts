/**
 * S3 error responses to Bulwark's typed storage errors. Servers disagree (a refused
 * version delete is 403 AccessDenied on AWS and Ceph, 400 InvalidRequest on MinIO), so
 * callers only ever see the typed error.
 */
import { BulwarkError } from "../../core/errors.js";
import {
  BucketLockNotEnabledError,
  InvalidRangeError,
  NoSuchBucketError,
  NoSuchKeyError,
  NoSuchVersionError,
  StorageAccessDeniedError,
  StorageError,
  StorageUnavailableError,
} from "../errors.js";

export interface S3Failure {
  code: string;
  status: number | undefined;
  message: string;
}

export function describeS3Error(err: unknown): S3Failure {
  const e = err as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return {
    code: e?.Code ?? e?.name ?? e?.code ?? "Unknown",
    status: e?.$metadata?.httpStatusCode,
    message: e?.message ?? String(err),
  };
}

/** A refusal that S3 servers use for Object Lock: AWS and Ceph 403, MinIO 400. */
export function isLockRefusal(err: unknown): boolean {
  const { code, status } = describeS3Error(err);
  return code === "AccessDenied" || code === "InvalidRequest" || status === 403;
}

const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "EPIPE"]);

export interface ErrorContext {
  op: string;
  bucket: string;
  endpoint: string | undefined;
  key?: string | undefined;
  versionId?: string | undefined;
}

export function mapS3Error(err: unknown, ctx: ErrorContext): Error {
  if (err instanceof BulwarkError) return err;
  const { code, status, message } = describeS3Error(err);
  const options = { cause: err };
  const key = ctx.key ?? "";
  const sys = err as { code?: string; cause?: { code?: string } };
  if (NETWORK.has(code) || NETWORK.has(sys?.code ?? "") || NETWORK.has(sys?.cause?.code ?? "")) {
    return new StorageUnavailableError(
      `cannot reach the S3 server at ${ctx.endpoint ?? "AWS"} (${sys?.code ?? sys?.cause?.code ?? code}): ` +
        `is it running? (dev server: scripts/rgw/start.sh)`,
      options,
    );
  }
  switch (code) {
    case "NoSuchBucket":
      return new NoSuchBucketError(ctx.bucket, options);
    case "NoSuchVersion":
      return new NoSuchVersionError(key, ctx.versionId ?? "", "not found", options);
    case "NoSuchKey":
    case "NotFound":
      return ctx.versionId
        ? new NoSuchVersionError(key, ctx.versionId, "not found", options)
        : new NoSuchKeyError(key, options);
    case "InvalidRange":
      return new InvalidRangeError(key);
    case "MethodNotAllowed":
      // S3 answers 405 when the version asked for is a delete marker.
      return ctx.versionId
        ? new NoSuchVersionError(key, ctx.versionId, "is a delete marker", options)
        : new NoSuchKeyError(key, options);
    case "InvalidArgument":
      if (ctx.versionId && /version/i.test(message)) {
        return new NoSuchVersionError(key, ctx.versionId, "not found", options);
      }
      break;
    case "InvalidRequest":
    case "ObjectLockConfigurationNotFoundError":
      if (/lock/i.test(message)) return new BucketLockNotEnabledError(ctx.bucket, "Object Lock", options);
      break;
    case "AccessDenied":
    case "InvalidAccessKeyId":
    case "SignatureDoesNotMatch":
      return new StorageAccessDeniedError(
        `S3 refused ${ctx.op}${ctx.key ? ` of "${ctx.key}"` : ""} (${code}): check the access key, secret and bucket policy`,
        options,
      );
  }
  if (status === 403) {
    return new StorageAccessDeniedError(
      `S3 refused ${ctx.op}${ctx.key ? ` of "${ctx.key}"` : ""} (403): check the access key, secret and bucket policy`,
      options,
    );
  }
  if (status === 404) {
    return ctx.versionId
      ? new NoSuchVersionError(key, ctx.versionId, "not found", options)
      : new NoSuchKeyError(key, options);
  }
  const httpStatus = status === undefined || status >= 500 ? 502 : status;
  return new StorageError(
    "S3_ERROR",
    `S3 ${ctx.op} failed: ${code}: ${message}`,
    httpStatus,
    { code },
    options,
  );
}
