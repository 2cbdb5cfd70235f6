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
import type { Readable } from "node:stream";
import type {
  BucketLockConfig,
  DefaultRetention,
  DeleteOptions,
  DeleteResult,
  GetOptions,
  InitOptions,
  ListOptions,
  ListPage,
  ObjectInfo,
  ObjectStore,
  PutOptions,
  PutResult,
  Retention,
  VersionEntry,
} from "../types.js";
import { validateBucketName } from "../keys.js";
import type { Body } from "../hashing.js";
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
  private readonly admin: FsBucket;
  private readonly reader: FsReader;
  private readonly versions: FsVersions;
  private readonly lock: FsObjectLock;
  private readonly uploads: FsUploads;
  private readonly links: FsLinks;

  constructor(options: FsStoreOptions) {
    super();
    this.bucket = validateBucketName(options.bucket);
    this.root = options.root;
    const layout = new FsLayout(options.root, this.bucket);
    const records = new FsRecords(layout);
    this.admin = new FsBucket(layout, options.objectLock ?? false);
    this.reader = new FsReader(layout, records);
    this.versions = new FsVersions(layout, this.admin, records);
    this.lock = new FsObjectLock(layout, this.admin, records);
    this.uploads = new FsUploads(layout, this.admin, records, this.reader);
    this.links = new FsLinks(layout, options.publicUrl ?? DEFAULT_PUBLIC_URL);
  }

  init(options: InitOptions = {}): Promise<BucketLockConfig> {
    return this.admin.init(options);
  }

  getLockConfig(): Promise<BucketLockConfig> {
    return this.admin.getLockConfig();
  }

  setDefaultRetention(retention: DefaultRetention | undefined): Promise<void> {
    return this.admin.setDefaultRetention(retention);
  }

  put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    return this.uploads.put(key, body, options);
  }

  copy(
    sourceKey: string,
    targetKey: string,
    options: PutOptions & { sourceVersionId?: string } = {},
  ): Promise<PutResult> {
    return this.uploads.copy(sourceKey, targetKey, options);
  }

  override delete(key: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    return this.versions.delete(key, options);
  }

  listVersions(key: string): Promise<VersionEntry[]> {
    return this.versions.list(key);
  }

  putRetention(
    key: string,
    retention: Retention | null,
    options: { versionId?: string; bypassGovernance?: boolean } = {},
  ): Promise<void> {
    return this.lock.putRetention(key, retention, options);
  }

  putLegalHold(key: string, on: boolean, options: { versionId?: string } = {}): Promise<void> {
    return this.lock.putLegalHold(key, on, options);
  }

  override head(key: string, options: { versionId?: string } = {}): Promise<ObjectInfo> {
    return this.reader.head(key, options);
  }

  exists(key: string): Promise<boolean> {
    return this.reader.exists(key);
  }

  override get(key: string, options: GetOptions = {}): Promise<Readable> {
    return this.reader.get(key, options);
  }

  override list(options: ListOptions = {}): Promise<ListPage> {
    return this.reader.list(options);
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
