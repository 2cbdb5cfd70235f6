/**
 * The S3 object store (MinIO, Ceph RGW, AWS). Object Lock is the server's own: Bulwark
 * sends the request and reports the server's refusal as a typed error; it checks the
 * rules first only to refuse retention shortening early with the same message as on disk.
 *
 * Streamed puts of unknown length are hashed while they are spooled to a temporary file
 * (small ones stay in memory), so the SHA-256 can go into the object's own immutable
 * metadata (x-amz-meta-sha256) at creation; large bodies then go up as a multipart
 * Upload with flat memory.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  S3Client,
  type BucketLocationConstraint,
  type HeadObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
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
  NoSuchBucketError,
  NoSuchKeyError,
  NoSuchVersionError,
  ObjectLockedError,
  StorageArgumentError,
} from "../errors.js";
import { validateBucketName, validateKey, validatePrefix } from "../keys.js";
import { type Body, bodyToBuffer, hashBody, isStreamBody, sha256Hex } from "../hashing.js";
import {
  SHA256_META,
  assertDeletable,
  assertLockEnabled,
  assertRetentionChange,
  initRequest,
  validateContentType,
  validateDefaultRetention,
  validateExpiry,
  validateMetadata,
  validateRange,
  validateRetention,
} from "../rules.js";
import { ObjectStoreBase } from "../base.js";
import { pageLimit } from "../listing.js";
import { describeS3Error, isLockRefusal, mapS3Error, type ErrorContext } from "./errors.js";

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

/** Streams that end within this many bytes never touch the disk. */
const IN_MEMORY_LIMIT = 8 * 1024 * 1024;

interface Spooled {
  sha256: string;
  size: number;
  buffer?: Buffer;
  file?: string;
  cleanup: () => Promise<void>;
}

export class S3ObjectStore extends ObjectStoreBase implements ObjectStore {
  readonly kind = "s3" as const;
  readonly bucket: string;
  readonly client: S3Client;
  private readonly options: S3StoreOptions;
  private ready: Promise<BucketLockConfig> | undefined;

  constructor(options: S3StoreOptions) {
    super();
    this.bucket = validateBucketName(options.bucket);
    this.options = options;
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
  }

  private ctx(op: string, key?: string, versionId?: string): ErrorContext {
    return { op, bucket: this.bucket, endpoint: this.options.endpoint, key, versionId };
  }

  private async send<T>(op: string, fn: () => Promise<T>, key?: string, versionId?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapS3Error(err, this.ctx(op, key, versionId));
    }
  }

  // ---------- bucket ----------

  private async bucketExists(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch (err) {
      const { code, status } = describeS3Error(err);
      if (status === 404 || code === "NotFound" || code === "NoSuchBucket") return false;
      throw mapS3Error(err, this.ctx("HeadBucket"));
    }
  }

  async init(options: InitOptions = {}): Promise<BucketLockConfig> {
    const { wantLock, defaultRetention } = initRequest(options, this.options.objectLock ?? false);
    if (!(await this.bucketExists())) {
      try {
        await this.client.send(
          new CreateBucketCommand({
            Bucket: this.bucket,
            ...(wantLock ? { ObjectLockEnabledForBucket: true } : {}),
            ...(this.options.region !== "us-east-1"
              ? {
                  CreateBucketConfiguration: {
                    LocationConstraint: this.options.region as BucketLocationConstraint,
                  },
                }
              : {}),
          }),
        );
      } catch (err) {
        // Another process created it meanwhile: check it below like any existing bucket.
        if (!["BucketAlreadyOwnedByYou", "BucketAlreadyExists"].includes(describeS3Error(err).code)) {
          throw mapS3Error(err, this.ctx("CreateBucket"));
        }
      }
    }
    const config = await this.getLockConfig();
    if (wantLock) assertLockEnabled(this.bucket, config.enabled, "Object Lock");
    // Every write must make a version, as on disk (a lock bucket has versioning already).
    if (!config.enabled) {
      const v = await this.send("GetBucketVersioning", () =>
        this.client.send(new GetBucketVersioningCommand({ Bucket: this.bucket })),
      );
      if (v.Status !== "Enabled") {
        await this.send("PutBucketVersioning", () =>
          this.client.send(
            new PutBucketVersioningCommand({
              Bucket: this.bucket,
              VersioningConfiguration: { Status: "Enabled" },
            }),
          ),
        );
      }
    }
    if (defaultRetention) {
      await this.setDefaultRetention(defaultRetention);
      return { enabled: true, defaultRetention };
    }
    return config;
  }

  /** Checked once per store: the bucket exists (created as configured) and has versioning. */
  private bucketForWrite(): Promise<BucketLockConfig> {
    // init refuses a bucket without Object Lock when the configuration claims it.
    this.ready ??= this.init({ objectLock: this.options.objectLock ?? false }).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async getLockConfig(): Promise<BucketLockConfig> {
    try {
      const out = await this.client.send(new GetObjectLockConfigurationCommand({ Bucket: this.bucket }));
      const c = out.ObjectLockConfiguration;
      const d = c?.Rule?.DefaultRetention;
      const enabled = c?.ObjectLockEnabled === "Enabled";
      const defaultRetention: DefaultRetention | undefined =
        d?.Mode && (d.Days || d.Years)
          ? { mode: d.Mode, ...(d.Days ? { days: d.Days } : { years: d.Years as number }) }
          : undefined;
      return { enabled, ...(enabled && defaultRetention ? { defaultRetention } : {}) };
    } catch (err) {
      const { code, status } = describeS3Error(err);
      if (code === "NoSuchBucket") throw new NoSuchBucketError(this.bucket, { cause: err });
      // AWS and MinIO: ObjectLockConfigurationNotFoundError; Ceph: 404 without a lock config.
      if (code === "ObjectLockConfigurationNotFoundError" || status === 404) {
        if (!(await this.bucketExists())) throw new NoSuchBucketError(this.bucket, { cause: err });
        return { enabled: false };
      }
      throw mapS3Error(err, this.ctx("GetObjectLockConfiguration"));
    }
  }

  async setDefaultRetention(retention: DefaultRetention | undefined): Promise<void> {
    const valid = retention && validateDefaultRetention(retention);
    const config = await this.getLockConfig();
    assertLockEnabled(this.bucket, config.enabled, "a default retention");
    await this.send("PutObjectLockConfiguration", () =>
      this.client.send(
        new PutObjectLockConfigurationCommand({
          Bucket: this.bucket,
          ObjectLockConfiguration: {
            ObjectLockEnabled: "Enabled",
            ...(valid
              ? {
                  Rule: {
                    DefaultRetention: {
                      Mode: valid.mode,
                      ...(valid.days ? { Days: valid.days } : { Years: valid.years as number }),
                    },
                  },
                }
              : {}),
          },
        }),
      ),
    );
  }

  // ---------- writes ----------

  async put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    const contentType = validateContentType(options.contentType);
    const metadata = validateMetadata(options.metadata);
    const retention = options.retention && validateRetention(options.retention);
    const bucket = await this.bucketForWrite();
    if (retention || options.legalHold)
      assertLockEnabled(this.bucket, bucket.enabled, "retention or legal hold");
    const spooled = await this.spool(body);
    try {
      const params = {
        Bucket: this.bucket,
        Key: key,
        ContentType: contentType,
        Metadata: { ...metadata, [SHA256_META]: spooled.sha256 },
        ...(retention
          ? { ObjectLockMode: retention.mode, ObjectLockRetainUntilDate: new Date(retention.retainUntil) }
          : {}),
        ...(options.legalHold ? { ObjectLockLegalHoldStatus: "ON" as const } : {}),
      };
      const threshold = this.options.multipartThreshold ?? 16 * 1024 * 1024;
      let versionId: string | undefined;
      if (spooled.size <= threshold) {
        const out = await this.send(
          "PutObject",
          () =>
            this.client.send(
              new PutObjectCommand({
                ...params,
                Body: spooled.buffer ?? createReadStream(spooled.file as string),
                ContentLength: spooled.size,
              }),
            ),
          key,
        );
        versionId = out.VersionId;
      } else {
        const upload = new Upload({
          client: this.client,
          params: { ...params, Body: spooled.buffer ?? createReadStream(spooled.file as string) },
          partSize: this.options.partSize ?? 8 * 1024 * 1024,
          queueSize: this.options.queueSize ?? 4,
          leavePartsOnError: false,
        });
        const out = await this.send("multipart upload", () => upload.done(), key);
        versionId = out.VersionId;
        if (versionId)
          await this.applyLockAfterMultipart(key, versionId, retention, options.legalHold ?? false);
      }
      if (!versionId) {
        throw new StorageArgumentError(
          `bucket "${this.bucket}" returned no version id: versioning is off; run \`bulwark storage init\``,
        );
      }
      return { key, versionId, size: spooled.size, sha256: spooled.sha256 };
    } finally {
      await spooled.cleanup();
    }
  }

  /**
   * Ceph RGW ignores lock headers on CreateMultipartUpload, so the retention and legal hold
   * asked for are set on the new version afterwards. If the bucket default already gave it
   * a later GOVERNANCE date, the date asked for replaces it as it would have at creation.
   */
  private async applyLockAfterMultipart(
    key: string,
    versionId: string,
    retention: Retention | undefined,
    legalHold: boolean,
  ): Promise<void> {
    if (retention) {
      const head = await this.headRaw(key, versionId);
      const has = head.ObjectLockMode && head.ObjectLockRetainUntilDate;
      const same =
        has &&
        head.ObjectLockMode === retention.mode &&
        Math.abs(
          new Date(head.ObjectLockRetainUntilDate as Date).getTime() - Date.parse(retention.retainUntil),
        ) < 1000;
      if (!same) {
        await this.sendRetention(
          key,
          versionId,
          retention,
          Boolean(has && head.ObjectLockMode === "GOVERNANCE"),
        );
      }
    }
    if (legalHold) await this.sendLegalHold(key, versionId, true);
  }

  /** PutObjectRetention on one version; `null` removes the retention (only ever with bypass). */
  private async sendRetention(
    key: string,
    versionId: string,
    retention: Retention | null,
    bypass: boolean,
  ): Promise<void> {
    await this.send(
      "PutObjectRetention",
      () =>
        this.client.send(
          new PutObjectRetentionCommand({
            Bucket: this.bucket,
            Key: key,
            VersionId: versionId,
            Retention: retention
              ? { Mode: retention.mode, RetainUntilDate: new Date(retention.retainUntil) }
              : {},
            ...(bypass ? { BypassGovernanceRetention: true } : {}),
          }),
        ),
      key,
      versionId,
    );
  }

  private async sendLegalHold(key: string, versionId: string, on: boolean): Promise<void> {
    await this.send(
      "PutObjectLegalHold",
      () =>
        this.client.send(
          new PutObjectLegalHoldCommand({
            Bucket: this.bucket,
            Key: key,
            VersionId: versionId,
            LegalHold: { Status: on ? "ON" : "OFF" },
          }),
        ),
      key,
      versionId,
    );
  }

  /** Hashes the body; a stream longer than IN_MEMORY_LIMIT is written to a temporary file as it is read. */
  private async spool(body: Body): Promise<Spooled> {
    const none = async () => undefined;
    if (!isStreamBody(body)) {
      const buffer = bodyToBuffer(body);
      return { sha256: sha256Hex(buffer), size: buffer.length, buffer, cleanup: none };
    }
    const chunks: Buffer[] = [];
    let held = 0;
    let dir: string | undefined;
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    const cleanup = async () => {
      await handle?.close().catch(() => undefined);
      if (dir) await rm(dir, { recursive: true, force: true });
    };
    try {
      const { sha256, size } = await hashBody(body, async (buf) => {
        if (handle) {
          await handle.write(buf);
          return;
        }
        chunks.push(buf);
        held += buf.length;
        if (held <= IN_MEMORY_LIMIT) return;
        dir = await mkdtemp(join(this.options.spoolDir ?? tmpdir(), "bulwark-spool-"));
        handle = await open(join(dir, "body"), "wx", 0o600);
        for (const c of chunks.splice(0)) await handle.write(c);
      });
      if (!handle) return { sha256, size, buffer: Buffer.concat(chunks), cleanup: none };
      await handle.close();
      handle = undefined;
      return { sha256, size, file: join(dir as string, "body"), cleanup };
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  override async delete(key: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    validateKey(key);
    const { versionId } = options;
    if (versionId === undefined) {
      await this.bucketForWrite();
      const out = await this.send(
        "DeleteObject",
        () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
        key,
      );
      return {
        key,
        ...(out.VersionId ? { versionId: out.VersionId } : {}),
        deleteMarker: out.DeleteMarker ?? true,
      };
    }
    // S3 answers 204 for a version that does not exist; look first so the caller learns it.
    const target = await this.versionState(key, versionId);
    try {
      await this.client.send(
        new DeleteObjectCommand({
          Bucket: this.bucket,
          Key: key,
          VersionId: versionId,
          ...(options.bypassGovernance ? { BypassGovernanceRetention: true } : {}),
        }),
      );
    } catch (err) {
      if (target.info && isLockRefusal(err)) {
        // The server refused; say why in the same words as the local backend.
        assertDeletable(key, versionId, target.info, options.bypassGovernance ?? false);
        throw new ObjectLockedError(
          `the S3 server refused to delete version ${versionId} of "${key}" (${describeS3Error(err).code}): it is locked`,
          { key, versionId },
          { cause: err },
        );
      }
      throw mapS3Error(err, this.ctx("DeleteObject", key, versionId));
    }
    return { key, versionId, deleteMarker: target.deleteMarker };
  }

  /**
   * Whether a version exists, is a delete marker, and its lock state. Listing is the only
   * portable way to tell a delete marker from a missing version (HEAD of a marker is 405
   * on AWS, 404 on Ceph).
   */
  private async versionState(
    key: string,
    versionId: string,
  ): Promise<{ deleteMarker: boolean; info?: ObjectInfo }> {
    const entry = (await this.listVersions(key)).find((v) => v.versionId === versionId);
    if (!entry) throw new NoSuchVersionError(key, versionId);
    if (entry.isDeleteMarker) return { deleteMarker: true };
    return { deleteMarker: false, info: toInfo(key, await this.headRaw(key, versionId)) };
  }

  async copy(
    sourceKey: string,
    targetKey: string,
    options: PutOptions & { sourceVersionId?: string } = {},
  ): Promise<PutResult> {
    validateKey(sourceKey);
    validateKey(targetKey);
    const source = await this.head(
      sourceKey,
      options.sourceVersionId ? { versionId: options.sourceVersionId } : {},
    );
    const retention = options.retention && validateRetention(options.retention);
    const bucket = await this.bucketForWrite();
    if (retention || options.legalHold)
      assertLockEnabled(this.bucket, bucket.enabled, "retention or legal hold");
    const replace = options.contentType !== undefined || options.metadata !== undefined;
    if (source.size > 5 * 1024 ** 3) {
      // CopyObject stops at 5 GiB; stream it through instead.
      return this.put(targetKey, await this.get(sourceKey, { versionId: source.versionId }), {
        contentType: options.contentType ?? source.contentType,
        metadata: options.metadata ?? source.metadata,
        ...(retention ? { retention } : {}),
        ...(options.legalHold ? { legalHold: true } : {}),
      });
    }
    const copySource =
      `${this.bucket}/${sourceKey.split("/").map(encodeURIComponent).join("/")}` +
      `?versionId=${encodeURIComponent(source.versionId)}`;
    const out = await this.send(
      "CopyObject",
      () =>
        this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: targetKey,
            CopySource: copySource,
            ...(replace
              ? {
                  MetadataDirective: "REPLACE" as const,
                  ContentType: validateContentType(options.contentType ?? source.contentType),
                  Metadata: {
                    ...validateMetadata(options.metadata ?? source.metadata),
                    [SHA256_META]: source.sha256,
                  },
                }
              : {}),
            ...(retention
              ? { ObjectLockMode: retention.mode, ObjectLockRetainUntilDate: new Date(retention.retainUntil) }
              : {}),
            ...(options.legalHold ? { ObjectLockLegalHoldStatus: "ON" as const } : {}),
          }),
        ),
      targetKey,
    );
    // Ceph RGW leaves x-amz-version-id out of CopyObject's answer; the new latest version is the copy.
    const versionId = out.VersionId ?? (await this.headRaw(targetKey, undefined)).VersionId;
    if (!versionId) throw new StorageArgumentError(`bucket "${this.bucket}" returned no version id`);
    return { key: targetKey, versionId, size: source.size, sha256: source.sha256 };
  }

  async putRetention(
    key: string,
    retention: Retention | null,
    options: { versionId?: string; bypassGovernance?: boolean } = {},
  ): Promise<void> {
    validateKey(key);
    const next = retention === null ? null : validateRetention(retention);
    const current = await this.lockTarget(key, options.versionId);
    assertRetentionChange(key, current.versionId, current.retention, next, options.bypassGovernance ?? false);
    await this.sendRetention(key, current.versionId, next, options.bypassGovernance ?? false);
  }

  async putLegalHold(key: string, on: boolean, options: { versionId?: string } = {}): Promise<void> {
    validateKey(key);
    const current = await this.lockTarget(key, options.versionId);
    await this.sendLegalHold(key, current.versionId, on);
  }

  private async lockTarget(key: string, versionId: string | undefined): Promise<ObjectInfo> {
    const config = await this.getLockConfig();
    assertLockEnabled(this.bucket, config.enabled, "retention or legal hold");
    return this.head(key, versionId ? { versionId } : {});
  }

  // ---------- reads ----------

  private async headRaw(key: string, versionId: string | undefined): Promise<HeadObjectCommandOutput> {
    try {
      return await this.client.send(
        new HeadObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(versionId ? { VersionId: versionId } : {}),
        }),
      );
    } catch (err) {
      const { code, status } = describeS3Error(err);
      if (status === 405 || code === "MethodNotAllowed") {
        // HEAD of a delete marker.
        throw versionId
          ? new NoSuchVersionError(key, versionId, "is a delete marker", { cause: err })
          : new NoSuchKeyError(key, { cause: err });
      }
      if (code === "NoSuchBucket" || status === 404) {
        throw versionId
          ? new NoSuchVersionError(key, versionId, "not found", { cause: err })
          : new NoSuchKeyError(key, { cause: err });
      }
      throw mapS3Error(err, this.ctx("HeadObject", key, versionId));
    }
  }

  override async head(key: string, options: { versionId?: string } = {}): Promise<ObjectInfo> {
    validateKey(key);
    return toInfo(key, await this.headRaw(key, options.versionId));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.head(key);
      return true;
    } catch (err) {
      if (err instanceof NoSuchKeyError) return false;
      throw err;
    }
  }

  override async get(key: string, options: GetOptions = {}): Promise<Readable> {
    validateKey(key);
    const { versionId, range } = options;
    validateRange(range);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(versionId ? { VersionId: versionId } : {}),
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ""}` } : {}),
        }),
      );
      return out.Body as Readable;
    } catch (err) {
      if (describeS3Error(err).code === "NoSuchBucket") {
        throw versionId ? new NoSuchVersionError(key, versionId) : new NoSuchKeyError(key);
      }
      throw mapS3Error(err, this.ctx("GetObject", key, versionId));
    }
  }

  override async list(options: ListOptions = {}): Promise<ListPage> {
    const prefix = validatePrefix(options.prefix);
    const limit = pageLimit(options.limit);
    try {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          MaxKeys: limit,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
          ...(options.cursor ? { ContinuationToken: options.cursor } : {}),
        }),
      );
      return {
        objects: (out.Contents ?? []).map((o): ListEntry => ({
          key: o.Key as string,
          size: o.Size ?? 0,
          lastModified: (o.LastModified ?? new Date(0)).toISOString(),
        })),
        prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix as string),
        ...(out.IsTruncated && out.NextContinuationToken ? { nextCursor: out.NextContinuationToken } : {}),
      };
    } catch (err) {
      // A bucket that does not exist yet reads as an empty one, as on disk.
      if (describeS3Error(err).code === "NoSuchBucket") return { objects: [], prefixes: [] };
      throw mapS3Error(err, this.ctx("ListObjectsV2"));
    }
  }

  async listVersions(key: string): Promise<VersionEntry[]> {
    validateKey(key);
    const out: Array<VersionEntry & { order: number }> = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    let order = 0;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectVersionsCommand({
            Bucket: this.bucket,
            Prefix: key,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
          }),
        );
      } catch (err) {
        if (describeS3Error(err).code === "NoSuchBucket") return [];
        throw mapS3Error(err, this.ctx("ListObjectVersions", key));
      }
      for (const v of page.Versions ?? []) {
        if (v.Key !== key) continue;
        out.push({
          key,
          versionId: v.VersionId ?? "null",
          isLatest: v.IsLatest ?? false,
          isDeleteMarker: false,
          size: v.Size ?? 0,
          lastModified: (v.LastModified ?? new Date(0)).toISOString(),
          order: order++,
        });
      }
      for (const m of page.DeleteMarkers ?? []) {
        if (m.Key !== key) continue;
        out.push({
          key,
          versionId: m.VersionId ?? "null",
          isLatest: m.IsLatest ?? false,
          isDeleteMarker: true,
          size: 0,
          lastModified: (m.LastModified ?? new Date(0)).toISOString(),
          order: order++,
        });
      }
      const pastKey = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].some(
        (v) => (v.Key ?? "") > key,
      );
      keyMarker = page.IsTruncated && !pastKey ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated && !pastKey ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    // Newest first, as S3 lists them; the SDK splits versions from markers, so merge by time.
    out.sort(
      (a, b) =>
        Number(b.isLatest) - Number(a.isLatest) ||
        Date.parse(b.lastModified) - Date.parse(a.lastModified) ||
        a.order - b.order,
    );
    return out.map(({ order: _order, ...entry }) => entry);
  }

  // ---------- links, checks ----------

  async presignGet(
    key: string,
    expiresInSeconds: number,
    options: { versionId?: string } = {},
  ): Promise<string> {
    validateKey(key);
    validateExpiry(expiresInSeconds);
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ...(options.versionId ? { VersionId: options.versionId } : {}),
      }),
      { expiresIn: expiresInSeconds },
    );
  }

  async presignPut(key: string, expiresInSeconds: number): Promise<string> {
    validateKey(key);
    validateExpiry(expiresInSeconds);
    await this.bucketForWrite();
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function toInfo(key: string, h: HeadObjectCommandOutput): ObjectInfo {
  const { [SHA256_META]: sha256 = "", ...metadata } = h.Metadata ?? {};
  const retention =
    h.ObjectLockMode && h.ObjectLockRetainUntilDate
      ? { mode: h.ObjectLockMode, retainUntil: new Date(h.ObjectLockRetainUntilDate).toISOString() }
      : undefined;
  return {
    key,
    versionId: h.VersionId ?? "null",
    size: h.ContentLength ?? 0,
    sha256,
    ...(h.ETag ? { etag: h.ETag } : {}),
    contentType: h.ContentType ?? "application/octet-stream",
    metadata,
    lastModified: (h.LastModified ?? new Date(0)).toISOString(),
    ...(retention ? { retention } : {}),
    legalHold: h.ObjectLockLegalHoldStatus === "ON",
  };
}
