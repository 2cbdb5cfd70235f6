/**
 * The S3 object store (MinIO, Ceph RGW, AWS). Object Lock is the server's own: Bulwark
 * sends the request and reports the server's refusal as a typed error; it checks the
 * rules first only to refuse retention shortening early with the same message as on disk.
 *
 * This class is the ObjectStore other code sees; each job lives in its own module beside
 * it (client, bucket, upload and spool, versions, object-lock, read, links), and the calls
 * that follow from the others come from ObjectStoreBase.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { ObjectStore } from "../types.js";
import { ObjectStoreBase } from "../base.js";
import { S3Connection, type S3StoreOptions } from "./client.js";
import { S3Bucket } from "./bucket.js";
import { S3Reader } from "./read.js";
import { S3Versions } from "./versions.js";
import { S3ObjectLock } from "./object-lock.js";
import { S3Uploads } from "./upload.js";
import { S3Links } from "./links.js";

export type { S3StoreOptions };

export class S3ObjectStore extends ObjectStoreBase implements ObjectStore {
  readonly kind = "s3" as const;
  readonly bucket: string;
  /** The SDK client, for callers (and tests) that need a call the interface lacks. */
  readonly client: S3Client;
  private readonly links: S3Links;

  constructor(options: S3StoreOptions) {
    const s3 = new S3Connection(options);
    const admin = new S3Bucket(s3);
    const reader = new S3Reader(s3);
    const lock = new S3ObjectLock(s3, admin, reader);
    super({
      admin,
      reader,
      lock,
      versions: new S3Versions(s3, admin, reader),
      uploads: new S3Uploads(s3, admin, reader, lock),
    });
    this.bucket = s3.bucket;
    this.client = s3.client;
    this.links = new S3Links(s3, admin);
  }

  presignGet(key: string, expiresInSeconds: number, options: { versionId?: string } = {}): Promise<string> {
    return this.links.presignGet(key, expiresInSeconds, options);
  }

  presignPut(key: string, expiresInSeconds: number): Promise<string> {
    return this.links.presignPut(key, expiresInSeconds);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
