/**
 * The local-disk object store: S3's model (versions, delete markers, Object Lock) on a
 * folder. Content is written to a temporary file while its SHA-256 is computed, fsynced,
 * and only then committed under the key's lock by two renames (data, then the JSON
 * record that makes the version visible). Retention and legal hold live in the record,
 * so they survive restarts, and are enforced here with the same rules S3 applies.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type {
  BucketLockConfig,
  DefaultRetention,
  DeleteOptions,
  DeleteResult,
  GetOptions,
  InitOptions,
  ListEntry,
  ListOptions,
  ListPage,
  ObjectInfo,
  ObjectStore,
  PutOptions,
  PutResult,
  Retention,
  VersionEntry,
} from "../types.js";
import {
  ChecksumMismatchError,
  NoSuchBucketError,
  NoSuchKeyError,
  NoSuchVersionError,
  StorageArgumentError,
} from "../errors.js";
import { validateBucketName, validateKey, validatePrefix } from "../keys.js";
import { type Body, hashBody } from "../hashing.js";
import {
  assertDeletable,
  assertLockEnabled,
  assertRetentionChange,
  initRequest,
  resolveRange,
  retentionFromDefault,
  validateContentType,
  validateDefaultRetention,
  validateExpiry,
  validateMetadata,
  validateRetention,
} from "../rules.js";
import { ObjectStoreBase } from "../base.js";
import { FsLayout, META_DIR, VERSIONS_DIR, decodeSegment, isVersionId, versionIdAfter } from "./paths.js";
import { fsyncDir, sweepTemporaries, tempName, writeFileAtomic } from "./atomic.js";
import { withDirLock } from "./locks.js";
import {
  DEFAULT_PUBLIC_URL,
  buildPresignedUrl,
  loadOrCreateSecret,
  verifyPresignedUrl,
  type PresignedRequest,
} from "./presign.js";
import { byteCompare, cursorAfter, encodeCursor, groupByDelimiter, pageLimit } from "../listing.js";

export interface FsStoreOptions {
  /** Folder holding the buckets. */
  root: string;
  bucket: string;
  /** Create the bucket with Object Lock on first write, and refuse to write to one without. */
  objectLock?: boolean;
  /** Where Bulwark's HTTP server is reached, for presigned links. */
  publicUrl?: string;
}

/** What `<versionId>.json` holds: everything about a version but its bytes. */
interface VersionRecord {
  key: string;
  versionId: string;
  deleteMarker: boolean;
  size: number;
  sha256: string;
  contentType: string;
  metadata: Record<string, string>;
  lastModified: string;
  retention?: Retention;
  legalHold: boolean;
}

interface BucketFile {
  createdAt: string;
  objectLock: boolean;
  defaultRetention?: DefaultRetention;
}

interface WriteSpec {
  contentType: string;
  metadata: Record<string, string>;
  retention: Retention | undefined;
  legalHold: boolean;
  expectedSha256?: string;
}

const RECORD = /^(\d{15}-[0-9a-f]{8})\.json$/;

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

export { resolveRange };

export class FsObjectStore extends ObjectStoreBase implements ObjectStore {
  readonly kind = "fs" as const;
  readonly bucket: string;
  readonly root: string;
  private readonly layout: FsLayout;
  private readonly objectLock: boolean;
  private readonly publicUrl: string;
  private secret: Promise<Buffer> | undefined;

  constructor(options: FsStoreOptions) {
    super();
    this.bucket = validateBucketName(options.bucket);
    this.root = options.root;
    this.layout = new FsLayout(options.root, this.bucket);
    this.objectLock = options.objectLock ?? false;
    this.publicUrl = options.publicUrl ?? DEFAULT_PUBLIC_URL;
  }

  // ---------- bucket ----------

  private async readBucket(): Promise<BucketFile | undefined> {
    try {
      return JSON.parse(await readFile(this.layout.bucketConfigFile, "utf8")) as BucketFile;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  private async writeBucket(file: BucketFile): Promise<void> {
    const dir = join(this.layout.bucketDir, META_DIR);
    await writeFileAtomic(this.layout.bucketConfigFile, JSON.stringify(file, null, 2), dir);
  }

  private async updateBucket(fn: (current: BucketFile | undefined) => BucketFile): Promise<BucketFile> {
    const dir = join(this.layout.bucketDir, META_DIR);
    await mkdir(dir, { recursive: true });
    return withDirLock(dir, async () => {
      const next = fn(await this.readBucket());
      await this.writeBucket(next);
      return next;
    });
  }

  async init(options: InitOptions = {}): Promise<BucketLockConfig> {
    const { wantLock, defaultRetention } = initRequest(options, this.objectLock);
    const file = await this.updateBucket((current) => {
      if (current) {
        if (wantLock) assertLockEnabled(this.bucket, current.objectLock, "Object Lock");
        return defaultRetention ? { ...current, defaultRetention } : current;
      }
      return {
        createdAt: new Date().toISOString(),
        objectLock: wantLock,
        ...(defaultRetention ? { defaultRetention } : {}),
      };
    });
    return toLockConfig(file);
  }

  /** The bucket a write goes to, created on first use as configured. */
  private async bucketForWrite(): Promise<BucketFile> {
    let file = await this.readBucket();
    if (!file) {
      await this.init({ objectLock: this.objectLock });
      file = await this.readBucket();
      if (!file) throw new NoSuchBucketError(this.bucket);
    }
    if (this.objectLock) assertLockEnabled(this.bucket, file.objectLock, "Object Lock");
    return file;
  }

  async getLockConfig(): Promise<BucketLockConfig> {
    const file = await this.readBucket();
    if (!file) throw new NoSuchBucketError(this.bucket);
    return toLockConfig(file);
  }

  async setDefaultRetention(retention: DefaultRetention | undefined): Promise<void> {
    const valid = retention && validateDefaultRetention(retention);
    await this.updateBucket((current) => {
      if (!current) throw new NoSuchBucketError(this.bucket);
      assertLockEnabled(this.bucket, current.objectLock, "a default retention");
      const { defaultRetention: _old, ...rest } = current;
      return valid ? { ...rest, defaultRetention: valid } : rest;
    });
  }

  // ---------- records ----------

  private async readRecord(key: string, versionId: string): Promise<VersionRecord | undefined> {
    if (!isVersionId(versionId)) return undefined;
    try {
      return JSON.parse(await readFile(this.layout.recordFile(key, versionId), "utf8")) as VersionRecord;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** Version ids of a key, newest first. */
  private async versionIds(vdir: string): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(vdir);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const ids: string[] = [];
    for (const name of names) {
      const m = RECORD.exec(name);
      if (m?.[1]) ids.push(m[1]);
    }
    return ids.sort().reverse();
  }

  private async latestRecordIn(vdir: string): Promise<VersionRecord | undefined> {
    for (const id of await this.versionIds(vdir)) {
      try {
        return JSON.parse(await readFile(join(vdir, `${id}.json`), "utf8")) as VersionRecord;
      } catch (err) {
        // Deleted since the listing: the next one is now the latest.
        if (!isMissing(err)) throw err;
      }
    }
    return undefined;
  }

  private async writeRecord(record: VersionRecord): Promise<void> {
    const vdir = this.layout.versionsDir(record.key);
    await writeFileAtomic(this.layout.recordFile(record.key, record.versionId), JSON.stringify(record), vdir);
  }

  /** The record a read or lock call addresses; throws the S3-equivalent 404 otherwise. */
  private async liveRecord(key: string, versionId: string | undefined): Promise<VersionRecord> {
    validateKey(key);
    if (versionId !== undefined) {
      const record = await this.readRecord(key, versionId);
      if (!record) throw new NoSuchVersionError(key, versionId);
      if (record.deleteMarker) throw new NoSuchVersionError(key, versionId, "is a delete marker");
      return record;
    }
    const record = await this.latestRecordIn(this.layout.versionsDir(key));
    if (!record || record.deleteMarker) throw new NoSuchKeyError(key);
    return record;
  }

  // ---------- writes ----------

  async put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    const spec = await this.writeSpec(options);
    return this.writeVersion(key, body, spec);
  }

  private async writeSpec(options: PutOptions, inherited?: ObjectInfo): Promise<WriteSpec> {
    const contentType = validateContentType(options.contentType ?? inherited?.contentType);
    const metadata = validateMetadata(options.metadata ?? inherited?.metadata);
    const asked = options.retention && validateRetention(options.retention);
    const bucket = await this.bucketForWrite();
    if (asked || options.legalHold)
      assertLockEnabled(this.bucket, bucket.objectLock, "retention or legal hold");
    const retention =
      asked ??
      (bucket.objectLock && bucket.defaultRetention
        ? retentionFromDefault(bucket.defaultRetention)
        : undefined);
    return { contentType, metadata, retention, legalHold: options.legalHold ?? false };
  }

  private async writeVersion(key: string, body: Body, spec: WriteSpec): Promise<PutResult> {
    const vdir = this.layout.versionsDir(key);
    await mkdir(vdir, { recursive: true });
    // Read-only from birth: a version's bytes never change once written.
    const tmp = tempName(vdir, ".data");
    const handle = await open(tmp, "wx", 0o444);
    let sha256: string;
    let size: number;
    try {
      ({ sha256, size } = await writeBody(handle, body));
      await handle.sync();
      await handle.close();
      if (spec.expectedSha256 !== undefined && spec.expectedSha256 !== "" && spec.expectedSha256 !== sha256) {
        throw new ChecksumMismatchError(key, spec.expectedSha256, sha256);
      }
      return await withDirLock(vdir, async () => {
        await sweepTemporaries(vdir);
        const ids = await this.versionIds(vdir);
        await removeOrphanData(vdir, ids);
        const versionId = versionIdAfter(ids[0], Date.now(), randomBytes(4).toString("hex"));
        await rename(tmp, join(vdir, `${versionId}.data`));
        await this.writeRecord({
          key,
          versionId,
          deleteMarker: false,
          size,
          sha256,
          contentType: spec.contentType,
          metadata: spec.metadata,
          lastModified: new Date().toISOString(),
          ...(spec.retention ? { retention: spec.retention } : {}),
          legalHold: spec.legalHold,
        });
        return { key, versionId, size, sha256 };
      });
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  override async delete(key: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    validateKey(key);
    const vdir = this.layout.versionsDir(key);
    const { versionId } = options;
    if (versionId === undefined) {
      // Like S3: a delete marker becomes the latest version; locked versions stay untouched.
      await this.bucketForWrite();
      await mkdir(vdir, { recursive: true });
      return withDirLock(vdir, async () => {
        const ids = await this.versionIds(vdir);
        const markerId = versionIdAfter(ids[0], Date.now(), randomBytes(4).toString("hex"));
        await this.writeRecord({
          key,
          versionId: markerId,
          deleteMarker: true,
          size: 0,
          sha256: "",
          contentType: "",
          metadata: {},
          lastModified: new Date().toISOString(),
          legalHold: false,
        });
        return { key, versionId: markerId, deleteMarker: true };
      });
    }
    if (!(await this.readRecord(key, versionId))) throw new NoSuchVersionError(key, versionId);
    return withDirLock(vdir, async () => {
      const record = await this.readRecord(key, versionId);
      if (!record) throw new NoSuchVersionError(key, versionId);
      if (!record.deleteMarker) assertDeletable(key, versionId, record, options.bypassGovernance ?? false);
      // The record goes first: without it the version is invisible, so a crash here leaves
      // at most an orphan data file, which the next write to the key sweeps.
      await unlink(this.layout.recordFile(key, versionId));
      await unlink(this.layout.dataFile(key, versionId)).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
      await fsyncDir(vdir);
      return { key, versionId, deleteMarker: record.deleteMarker };
    });
  }

  async copy(
    sourceKey: string,
    targetKey: string,
    options: PutOptions & { sourceVersionId?: string } = {},
  ): Promise<PutResult> {
    validateKey(targetKey);
    const source = await this.head(
      sourceKey,
      options.sourceVersionId ? { versionId: options.sourceVersionId } : {},
    );
    // Like S3's CopyObject: content type and metadata come along unless replaced; retention does not.
    const spec = await this.writeSpec(options, source);
    const stream = await this.get(sourceKey, { versionId: source.versionId });
    return this.writeVersion(targetKey, stream, { ...spec, expectedSha256: source.sha256 });
  }

  async putRetention(
    key: string,
    retention: Retention | null,
    options: { versionId?: string; bypassGovernance?: boolean } = {},
  ): Promise<void> {
    validateKey(key);
    const next = retention === null ? null : validateRetention(retention);
    await this.updateLock(key, options.versionId, (record) => {
      assertRetentionChange(key, record.versionId, record.retention, next, options.bypassGovernance ?? false);
      const { retention: _old, ...rest } = record;
      return next ? { ...rest, retention: next } : rest;
    });
  }

  async putLegalHold(key: string, on: boolean, options: { versionId?: string } = {}): Promise<void> {
    validateKey(key);
    await this.updateLock(key, options.versionId, (record) => ({ ...record, legalHold: on }));
  }

  private async updateLock(
    key: string,
    versionId: string | undefined,
    change: (record: VersionRecord) => VersionRecord,
  ): Promise<void> {
    const bucket = await this.readBucket();
    if (!bucket) throw new NoSuchBucketError(this.bucket);
    assertLockEnabled(this.bucket, bucket.objectLock, "retention or legal hold");
    const current = await this.liveRecord(key, versionId);
    await withDirLock(this.layout.versionsDir(key), async () => {
      // Re-read under the lock: the record may have changed since.
      const record = await this.liveRecord(key, current.versionId);
      await this.writeRecord(change(record));
    });
  }

  // ---------- reads ----------

  override async head(key: string, options: { versionId?: string } = {}): Promise<ObjectInfo> {
    return toInfo(await this.liveRecord(key, options.versionId));
  }

  async exists(key: string): Promise<boolean> {
    validateKey(key);
    const record = await this.latestRecordIn(this.layout.versionsDir(key));
    return record !== undefined && !record.deleteMarker;
  }

  override async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const record = await this.liveRecord(key, options.versionId);
    // Checked before the file is opened, so a refused range leaves no handle open.
    const { start, end } = resolveRange(key, record.size, options.range);
    let handle: FileHandle;
    try {
      handle = await open(this.layout.dataFile(key, record.versionId), "r");
    } catch (err) {
      if (!isMissing(err)) throw err;
      // Deleted between reading the record and opening the data.
      throw options.versionId ? new NoSuchVersionError(key, options.versionId) : new NoSuchKeyError(key);
    }
    return handle.createReadStream({ start, ...(end !== undefined ? { end } : {}) });
  }

  override async list(options: ListOptions = {}): Promise<ListPage> {
    const prefix = validatePrefix(options.prefix);
    const delimiter = options.delimiter ?? "";
    const limit = pageLimit(options.limit);
    const after = options.cursor ? cursorAfter(options.cursor) : undefined;

    const entries = await this.collect(prefix, delimiter === "/");
    const items = groupByDelimiter(entries, prefix, delimiter);
    const objects: ListEntry[] = [];
    const prefixes: string[] = [];
    let last: string | undefined;
    let more = false;
    for (const item of items) {
      if (after !== undefined && byteCompare(item.name, after) <= 0) continue;
      if (objects.length + prefixes.length >= limit) {
        more = true;
        break;
      }
      if (item.entry) objects.push(item.entry);
      else prefixes.push(item.name);
      last = item.name;
    }
    return { objects, prefixes, ...(more && last !== undefined ? { nextCursor: encodeCursor(last) } : {}) };
  }

  /**
   * Live keys under a prefix, walking only the prefix's folder. With "/" as delimiter the
   * sub-folders become common prefixes without being walked in full.
   */
  private async collect(
    prefix: string,
    slashDelimited: boolean,
  ): Promise<Array<{ name: string; entry?: ListEntry }>> {
    const segments = prefix.split("/");
    const partial = segments.pop() ?? "";
    const base = segments.length ? `${segments.join("/")}/` : "";
    const startDir = segments.length ? this.layout.keyDir(segments.join("/")) : this.layout.bucketDir;
    const out: Array<{ name: string; entry?: ListEntry }> = [];

    const walk = async (dir: string, keyPrefix: string, filter: string | undefined, depth: number) => {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const name of names) {
        const segment = decodeSegment(name);
        if (segment === undefined) continue;
        if (filter !== undefined && !segment.startsWith(filter)) continue;
        const key = keyPrefix + segment;
        const childDir = join(dir, name);
        const record = await this.latestRecordIn(join(childDir, VERSIONS_DIR));
        if (record && !record.deleteMarker) out.push({ name: key, entry: toEntry(record) });
        if (slashDelimited && depth === 0) {
          if (await this.hasLiveKey(childDir)) out.push({ name: `${key}/` });
        } else {
          await walk(childDir, `${key}/`, undefined, depth + 1);
        }
      }
    };
    await walk(startDir, base, partial, 0);
    return out;
  }

  private async hasLiveKey(dir: string): Promise<boolean> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return false;
    }
    for (const name of names) {
      if (decodeSegment(name) === undefined) continue;
      const record = await this.latestRecordIn(join(dir, name, VERSIONS_DIR));
      if (record && !record.deleteMarker) return true;
      if (await this.hasLiveKey(join(dir, name))) return true;
    }
    return false;
  }

  async listVersions(key: string): Promise<VersionEntry[]> {
    validateKey(key);
    const ids = await this.versionIds(this.layout.versionsDir(key));
    const out: VersionEntry[] = [];
    for (const id of ids) {
      const record = await this.readRecord(key, id);
      if (!record) continue;
      out.push({
        key,
        versionId: id,
        isLatest: out.length === 0,
        isDeleteMarker: record.deleteMarker,
        size: record.size,
        lastModified: record.lastModified,
      });
    }
    return out;
  }

  // ---------- links, checks ----------

  /** The HMAC key presigned links are signed with (made on first use). */
  signingSecret(): Promise<Buffer> {
    this.secret ??= loadOrCreateSecret(this.layout.secretFile).catch((err: unknown) => {
      this.secret = undefined;
      throw err;
    });
    return this.secret;
  }

  async presignGet(
    key: string,
    expiresInSeconds: number,
    options: { versionId?: string } = {},
  ): Promise<string> {
    return this.presign("GET", key, expiresInSeconds, options.versionId);
  }

  async presignPut(key: string, expiresInSeconds: number): Promise<string> {
    return this.presign("PUT", key, expiresInSeconds, undefined);
  }

  private async presign(
    method: "GET" | "PUT",
    key: string,
    expiresInSeconds: number,
    versionId: string | undefined,
  ): Promise<string> {
    validateKey(key);
    validateExpiry(expiresInSeconds);
    const expires = Math.floor(Date.now() / 1000) + expiresInSeconds;
    return buildPresignedUrl(this.publicUrl, await this.signingSecret(), {
      method,
      bucket: this.bucket,
      key,
      expires,
      ...(versionId ? { versionId } : {}),
    });
  }

  /** Checks a link this store made (signature, expiry, method, bucket); for the HTTP route. */
  async verifyPresignedUrl(url: string | URL, method?: string): Promise<PresignedRequest> {
    const request = verifyPresignedUrl(url, await this.signingSecret(), method ? { method } : {});
    if (request.bucket !== this.bucket) throw new StorageArgumentError("the link is for another bucket");
    return request;
  }

  async close(): Promise<void> {}
}

function writeBody(handle: FileHandle, body: Body): Promise<{ sha256: string; size: number }> {
  return hashBody(body, async (buf) => {
    // A write may take only part of the buffer; the rest goes in the next one.
    let offset = 0;
    while (offset < buf.length) {
      const { bytesWritten } = await handle.write(buf, offset, buf.length - offset);
      offset += bytesWritten;
    }
  });
}

/** Data files whose record never got written (a crash between the two renames). */
async function removeOrphanData(vdir: string, ids: string[]): Promise<void> {
  const live = new Set(ids);
  for (const name of await readdir(vdir)) {
    const m = /^(\d{15}-[0-9a-f]{8})\.data$/.exec(name);
    if (m?.[1] && !live.has(m[1])) await unlink(join(vdir, name)).catch(() => undefined);
  }
}

function toInfo(record: VersionRecord): ObjectInfo {
  return {
    key: record.key,
    versionId: record.versionId,
    size: record.size,
    sha256: record.sha256,
    contentType: record.contentType,
    metadata: record.metadata,
    lastModified: record.lastModified,
    ...(record.retention ? { retention: record.retention } : {}),
    legalHold: record.legalHold,
  };
}

function toEntry(record: VersionRecord): ListEntry {
  return { key: record.key, size: record.size, lastModified: record.lastModified };
}

function toLockConfig(file: BucketFile): BucketLockConfig {
  return {
    enabled: file.objectLock,
    ...(file.objectLock && file.defaultRetention ? { defaultRetention: file.defaultRetention } : {}),
  };
}
