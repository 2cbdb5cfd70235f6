/**
 * The one S3 client a store talks through, set up for the servers Bulwark supports (MinIO,
 * Ceph RGW, AWS), and the wrapper that turns any SDK failure into a typed storage error
 * naming the call, so no other module handles SDK errors by hand.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { validateBucketName } from "../keys.js";
import { mapS3Error } from "./errors.js";
import { traceS3 } from "./tracing.js";

export interface S3StoreOptions {
  bucket: string;
  /** Omit for AWS itself. */
  endpoint?: string | undefined;
  region: string;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  forcePathStyle?: boolean;
  /** Create the bucket with Object Lock on first write, and refuse to write to one without. */
  objectLock?: boolean;
  /** Where streamed bodies are spooled while hashed (default: the OS temp folder). */
  spoolDir?: string;
  /** Bodies up to this size go up in one PutObject; larger ones as multipart (default 16 MiB). */
  multipartThreshold?: number;
  partSize?: number;
  queueSize?: number;
}

export class S3Connection {
  readonly bucket: string;
  readonly client: S3Client;

  constructor(readonly options: S3StoreOptions) {
    this.bucket = validateBucketName(options.bucket);
    // The SDK warns on every process under Node 20 about its releases of 2027; Bulwark pins
    // the SDK and supports Node 20, and the warning would break the CLI's one-line errors.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    this.client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? true,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      // SDK 3.729+ adds CRC checksums (aws-chunked trailers) by default, which Ceph RGW and
      // older MinIO reject, and which break streamed PutObject (MissingContentLength).
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 3,
    });
    traceS3(this.client);
  }

  /** The typed error for a failed call; `key` and `versionId` tell a missing object from a missing version. */
  error(err: unknown, op: string, key?: string, versionId?: string): Error {
    return mapS3Error(err, { op, bucket: this.bucket, endpoint: this.options.endpoint, key, versionId });
  }

  async send<T>(op: string, fn: () => Promise<T>, key?: string, versionId?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.error(err, op, key, versionId);
    }
  }
}
