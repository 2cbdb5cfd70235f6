/**
 * The local-disk object store: S3's model (versions, delete markers, Object Lock) on a
 * folder. Retention and legal hold live in each version's record, so they survive
 * restarts, and are enforced here with the same rules S3 applies.
 *
 * This class is the ObjectStore other code sees; each job lives in its own module beside
 * it (bucket, records, upload, versions, object-lock, read, links, over paths, atomic
 * writes and folder locks), and the calls that follow from the others come from
 * ObjectStoreBase.
 */
import type { BucketLockConfig, ObjectStore } from "../types.js";
import { validateBucketName } from "../keys.js";
import { ObjectStoreBase } from "../base.js";
import { FsLayout } from "./paths.js";
import { DEFAULT_PUBLIC_URL, type PresignedRequest } from "./presign.js";
import { FsBucket } from "./bucket.js";
import { FsRecords } from "./records.js";
import { FsReader } from "./read.js";
import { FsVersions } from "./versions.js";
import { FsObjectLock } from "./object-lock.js";
import { FsUploads } from "./upload.js";
import { FsLinks } from "./links.js";

export { resolveRange } from "../rules.js";

export interface FsStoreOptions {
  /** Folder holding the buckets. */
  root: string;
  bucket: string;
  /** Create the bucket with Object Lock on first write, and refuse to write to one without. */
  objectLock?: boolean;
  /** Where Bulwark's HTTP server is reached, for presigned links. */
  publicUrl?: string;
}

export class FsObjectStore extends ObjectStoreBase implements ObjectStore {
  readonly kind = "fs" as const;
  readonly bucket: string;
  readonly root: string;
  private readonly links: FsLinks;
  private readonly admin: FsBucket;

  constructor(options: FsStoreOptions) {
    const bucket = validateBucketName(options.bucket);
    const layout = new FsLayout(options.root, bucket);
    const records = new FsRecords(layout);
    const admin = new FsBucket(layout, options.objectLock ?? false);
    const reader = new FsReader(layout, records);
    super({
      admin,
      reader,
      lock: new FsObjectLock(layout, admin, records),
      versions: new FsVersions(layout, admin, records),
      uploads: new FsUploads(layout, admin, records, reader),
    });
    this.bucket = bucket;
    this.root = options.root;
    this.admin = admin;
    this.links = new FsLinks(layout, options.publicUrl ?? DEFAULT_PUBLIC_URL);
  }

  /**
   * Enables Object Lock on an existing bucket, as S3 allows on a versioned one; nothing
   * already written becomes locked. Bulwark uses it for the local bucket of an old home.
   */
  enableObjectLock(): Promise<BucketLockConfig> {
    return this.admin.enableObjectLock();
  }

  presignGet(key: string, expiresInSeconds: number, options: { versionId?: string } = {}): Promise<string> {
    return this.links.presign("GET", key, expiresInSeconds, options.versionId);
  }

  presignPut(key: string, expiresInSeconds: number): Promise<string> {
    return this.links.presign("PUT", key, expiresInSeconds, undefined);
  }

  /** The HMAC key presigned links are signed with (made on first use). */
  signingSecret(): Promise<Buffer> {
    return this.links.signingSecret();
  }

  /** Checks a link this store made (signature, expiry, method, bucket); for the HTTP route. */
  verifyPresignedUrl(url: string | URL, method?: string): Promise<PresignedRequest> {
    return this.links.verify(url, method);
  }

  async close(): Promise<void> {}
}
