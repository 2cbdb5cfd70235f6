/**
 * One object-store interface over local disk and any S3 server, with S3's semantics:
 * every write makes a version, deletes without a version id leave a delete marker,
 * and Object Lock (retention in GOVERNANCE or COMPLIANCE mode, legal hold) is enforced
 * by the server on S3 and by Bulwark itself on local disk.
 */
import type { Readable } from "node:stream";

export type LockMode = "GOVERNANCE" | "COMPLIANCE";

export interface Retention {
  mode: LockMode;
  /** ISO-8601 instant; the version may not be deleted or overwritten before it. */
  retainUntil: string;
}

export interface DefaultRetention {
  mode: LockMode;
  days?: number;
  years?: number;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  retention?: Retention;
  legalHold?: boolean;
}

export interface ObjectInfo {
  key: string;
  versionId: string;
  size: number;
  /**
   * Hex SHA-256 of the content, computed while writing and stored with the object
   * ("" for an S3 object written by another tool).
   */
  sha256: string;
  etag?: string;
  contentType: string;
  metadata: Record<string, string>;
  lastModified: string;
  retention?: Retention;
  legalHold: boolean;
}

export interface PutResult {
  key: string;
  versionId: string;
  size: number;
  sha256: string;
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  /** Opaque token from a previous page. */
  cursor?: string;
  limit?: number;
}

export interface ListEntry {
  key: string;
  size: number;
  lastModified: string;
  versionId?: string;
}

export interface ListPage {
  objects: ListEntry[];
  /** Common prefixes when a delimiter was given. */
  prefixes: string[];
  nextCursor?: string;
}

export interface VersionEntry {
  key: string;
  versionId: string;
  isLatest: boolean;
  isDeleteMarker: boolean;
  size: number;
  lastModified: string;
}

export interface GetOptions {
  versionId?: string;
  /** Inclusive byte range, like HTTP's Range: bytes=start-end. */
  range?: { start: number; end?: number };
}

export interface DeleteOptions {
  versionId?: string;
  /** Only privileged callers may pass it; lets a GOVERNANCE lock be overridden. */
  bypassGovernance?: boolean;
}

export interface DeleteResult {
  key: string;
  versionId?: string;
  deleteMarker: boolean;
}

export interface BucketLockConfig {
  enabled: boolean;
  defaultRetention?: DefaultRetention;
}

export interface VerifyReport {
  key: string;
  versionId: string;
  /** True while the version cannot be deleted: active retention or legal hold. */
  protected: boolean;
  mode?: LockMode;
  retainUntil?: string;
  legalHold: boolean;
  /** The content read back hashes to the SHA-256 stored on write (false when none was stored). */
  sha256Matches: boolean;
  /** SHA-256 stored with the version ("" for objects not written by Bulwark). */
  storedSha256: string;
  /** SHA-256 of the content as read back now. */
  actualSha256: string;
}

export interface DeletionProtectionReport {
  key: string;
  versionId: string;
  /** True when the delete was refused, as it must be. */
  refused: boolean;
  errorCode?: string;
}

export interface InitOptions {
  objectLock?: boolean;
  defaultRetention?: DefaultRetention;
}

export interface ObjectStore {
  readonly kind: "fs" | "s3";
  readonly bucket: string;

  /** Creates the bucket (with Object Lock and versioning when asked) or checks an existing one. */
  init(options?: InitOptions): Promise<BucketLockConfig>;
  getLockConfig(): Promise<BucketLockConfig>;
  setDefaultRetention(retention: DefaultRetention | undefined): Promise<void>;

  put(key: string, body: Readable | Buffer | Uint8Array | string, options?: PutOptions): Promise<PutResult>;
  get(key: string, options?: GetOptions): Promise<Readable>;
  getBuffer(key: string, options?: GetOptions): Promise<Buffer>;
  head(key: string, options?: { versionId?: string }): Promise<ObjectInfo>;
  exists(key: string): Promise<boolean>;
  list(options?: ListOptions): Promise<ListPage>;
  /** Every key under a prefix, following pagination. */
  listAll(prefix?: string): AsyncIterable<ListEntry>;
  listVersions(key: string): Promise<VersionEntry[]>;
  /**
   * Every version and delete marker of every key under a prefix, keys in byte order and
   * each key's versions newest first. Unlike listAll it also shows keys whose latest
   * version is a delete marker: what someone tried to hide without being allowed to
   * destroy it.
   */
  listAllVersions(prefix?: string): AsyncIterable<VersionEntry>;
  delete(key: string, options?: DeleteOptions): Promise<DeleteResult>;
  copy(
    sourceKey: string,
    targetKey: string,
    options?: PutOptions & { sourceVersionId?: string },
  ): Promise<PutResult>;

  /** A link that reads the object without credentials until it expires (at most 7 days). */
  presignGet(key: string, expiresInSeconds: number, options?: { versionId?: string }): Promise<string>;
  /** A link that uploads one new version with an HTTP PUT until it expires. */
  presignPut(key: string, expiresInSeconds: number): Promise<string>;

  /**
   * Sets the retention of a version (the latest by default). Extending is always allowed;
   * `null` removes it, which like shortening needs bypass under GOVERNANCE and is refused
   * under COMPLIANCE.
   */
  putRetention(
    key: string,
    retention: Retention | null,
    options?: { versionId?: string; bypassGovernance?: boolean },
  ): Promise<void>;
  putLegalHold(key: string, on: boolean, options?: { versionId?: string }): Promise<void>;

  verify(key: string, options?: { versionId?: string }): Promise<VerifyReport>;
  /**
   * Tries to delete a locked version without bypass and reports the refusal. Throws
   * NOT_PROTECTED instead of trying when the version is not locked (or the lock ends
   * within a minute), so it can never destroy data.
   */
  testDeletionProtection(key: string, options?: { versionId?: string }): Promise<DeletionProtectionReport>;

  close(): Promise<void>;
}
