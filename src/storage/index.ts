/**
 * The object store: one interface, a local-disk backend (the default) and an S3 backend
 * (MinIO, Ceph RGW, AWS), chosen by configuration alone.
 */
import type { StorageConfig } from "../core/config.js";
import type { ObjectStore } from "./types.js";
import { ValidationError } from "../core/errors.js";
import { FsObjectStore } from "./fs/store.js";
import { S3ObjectStore } from "./s3/store.js";
import { DEFAULT_PUBLIC_URL } from "./fs/presign.js";

export interface CreateStoreOptions {
  /**
   * Base URL of Bulwark's HTTP server, for the local backend's presigned links
   * (default: BULWARK_PUBLIC_URL, else http://127.0.0.1:8000).
   */
  publicUrl?: string;
  env?: Record<string, string | undefined>;
}

export function createObjectStore(config: StorageConfig, options: CreateStoreOptions = {}): ObjectStore {
  const env = options.env ?? process.env;
  if (config.backend === "s3") {
    const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } = config.s3;
    if (endpoint && (!accessKeyId || !secretAccessKey)) {
      throw new ValidationError(
        `S3 endpoint ${endpoint} is set but credentials are missing: set MINIO_ACCESS_KEY and MINIO_SECRET_KEY ` +
          `(or BULWARK_S3_ACCESS_KEY / BULWARK_S3_SECRET_KEY)`,
      );
    }
    return new S3ObjectStore({
      bucket: config.bucket,
      endpoint,
      region,
      accessKeyId,
      secretAccessKey,
      forcePathStyle,
      objectLock: config.objectLock,
    });
  }
  return new FsObjectStore({
    root: config.root,
    bucket: config.bucket,
    objectLock: config.objectLock,
    publicUrl: options.publicUrl ?? env.BULWARK_PUBLIC_URL ?? DEFAULT_PUBLIC_URL,
  });
}

export type * from "./types.js";
export * from "./errors.js";
export { FsObjectStore, type FsStoreOptions } from "./fs/store.js";
export { S3ObjectStore, type S3StoreOptions } from "./s3/store.js";
export {
  PRESIGN_PATH,
  loadOrCreateSecret,
  parsePresignedUrl,
  verifyPresigned,
  verifyPresignedUrl,
  type PresignedRequest,
} from "./fs/presign.js";
export { validateKey, validatePrefix } from "./keys.js";
export { parseLockMode, isRetentionActive } from "./rules.js";
