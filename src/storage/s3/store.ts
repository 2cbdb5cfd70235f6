/**
 * The S3 object store (MinIO, Ceph RGW, AWS). Object Lock is the server's own: Bulwark
 * sends the request and reports the server's refusal as a typed error; it checks the
 * rules first only to refuse retention shortening early with the same message as on disk.
 *
 * This class is the ObjectStore other code sees; each job lives in its own module beside
 * it (client, bucket, upload and spool, versions, object-lock, read, links), and the calls
 * that follow from the others come from ObjectStoreBase.
 */
import type { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
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
import type { Body } from "../hashing.js";
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
  private readonly admin: S3Bucket;
  private readonly reader: S3Reader;
  private readonly versions: S3Versions;
  private readonly lock: S3ObjectLock;
  private readonly uploads: S3Uploads;
  private readonly links: S3Links;

  constructor(options: S3StoreOptions) {
    super();
    const s3 = new S3Connection(options);
    this.bucket = s3.bucket;
    this.client = s3.client;
    this.admin = new S3Bucket(s3);
    this.reader = new S3Reader(s3);
    this.versions = new S3Versions(s3, this.admin, this.reader);
    this.lock = new S3ObjectLock(s3, this.admin, this.reader);
    this.uploads = new S3Uploads(s3, this.admin, this.reader, this.lock);
    this.links = new S3Links(s3, this.admin);
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
    return this.links.presignGet(key, expiresInSeconds, options);
  }

  presignPut(key: string, expiresInSeconds: number): Promise<string> {
    return this.links.presignPut(key, expiresInSeconds);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
