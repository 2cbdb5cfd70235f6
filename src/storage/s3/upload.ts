/**
 * Writing versions on S3: PutObject up to the multipart threshold, a multipart Upload above
 * it (flat memory whatever the size), and CopyObject, streamed through instead past its
 * 5 GiB limit. Every version carries its SHA-256 in x-amz-meta-sha256 from its creation, so
 * no later call can change it.
 */
import { createReadStream } from "node:fs";
import { CopyObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { PutOptions, PutResult, Retention } from "../types.js";
import { StorageArgumentError } from "../errors.js";
import { validateKey } from "../keys.js";
import type { Body } from "../hashing.js";
import {
  SHA256_META,
  assertLockEnabled,
  validateContentType,
  validateMetadata,
  validateRetention,
} from "../rules.js";
import type { S3Connection } from "./client.js";
import type { S3Bucket } from "./bucket.js";
import type { S3Reader } from "./read.js";
import type { S3ObjectLock } from "./object-lock.js";
import { spool } from "./spool.js";

/** CopyObject refuses larger sources. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;

export class S3Uploads {
  constructor(
    private readonly s3: S3Connection,
    private readonly bucket: S3Bucket,
    private readonly reader: S3Reader,
    private readonly lock: S3ObjectLock,
  ) {}

  async put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    const contentType = validateContentType(options.contentType);
    const metadata = validateMetadata(options.metadata);
    const retention = await this.lockAskedFor(options);
    const spooled = await spool(body, this.s3.options.spoolDir);
    try {
      const params = {
        Bucket: this.s3.bucket,
        Key: key,
        ContentType: contentType,
        Metadata: { ...metadata, [SHA256_META]: spooled.sha256 },
        ...lockHeaders(retention, options.legalHold),
      };
      const threshold = this.s3.options.multipartThreshold ?? 16 * 1024 * 1024;
      let versionId: string | undefined;
      if (spooled.size <= threshold) {
        const out = await this.s3.send(
          "PutObject",
          () =>
            this.s3.client.send(
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
          client: this.s3.client,
          params: { ...params, Body: spooled.buffer ?? createReadStream(spooled.file as string) },
          partSize: this.s3.options.partSize ?? 8 * 1024 * 1024,
          queueSize: this.s3.options.queueSize ?? 4,
          leavePartsOnError: false,
        });
        const out = await this.s3.send("multipart upload", () => upload.done(), key);
        versionId = out.VersionId;
        if (versionId) {
          await this.lock.applyAfterMultipart(key, versionId, retention, options.legalHold ?? false);
        }
      }
      if (!versionId) {
        throw new StorageArgumentError(
          `bucket "${this.s3.bucket}" returned no version id: versioning is off; run \`bulwark storage init\``,
        );
      }
      return { key, versionId, size: spooled.size, sha256: spooled.sha256 };
    } finally {
      await spooled.cleanup();
    }
  }

  async copy(
    sourceKey: string,
    targetKey: string,
    options: PutOptions & { sourceVersionId?: string } = {},
  ): Promise<PutResult> {
    validateKey(sourceKey);
    validateKey(targetKey);
    const source = await this.reader.head(
      sourceKey,
      options.sourceVersionId ? { versionId: options.sourceVersionId } : {},
    );
    const retention = await this.lockAskedFor(options);
    const replace = options.contentType !== undefined || options.metadata !== undefined;
    if (source.size > MAX_COPY_BYTES) {
      // Too big for CopyObject: stream it through instead.
      return this.put(targetKey, await this.reader.get(sourceKey, { versionId: source.versionId }), {
        contentType: options.contentType ?? source.contentType,
        metadata: options.metadata ?? source.metadata,
        ...(retention ? { retention } : {}),
        ...(options.legalHold ? { legalHold: true } : {}),
      });
    }
    const copySource =
      `${this.s3.bucket}/${sourceKey.split("/").map(encodeURIComponent).join("/")}` +
      `?versionId=${encodeURIComponent(source.versionId)}`;
    const out = await this.s3.send(
      "CopyObject",
      () =>
        this.s3.client.send(
          new CopyObjectCommand({
            Bucket: this.s3.bucket,
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
            ...lockHeaders(retention, options.legalHold),
          }),
        ),
      targetKey,
    );
    // Ceph RGW leaves x-amz-version-id out of CopyObject's answer; the new latest version is the copy.
    const versionId = out.VersionId ?? (await this.reader.headRaw(targetKey, undefined)).VersionId;
    if (!versionId) throw new StorageArgumentError(`bucket "${this.s3.bucket}" returned no version id`);
    return { key: targetKey, versionId, size: source.size, sha256: source.sha256 };
  }

  /** The retention a write asks for, checked, once the bucket is ready and able to keep it. */
  private async lockAskedFor(options: PutOptions): Promise<Retention | undefined> {
    const retention = options.retention && validateRetention(options.retention);
    const bucket = await this.bucket.forWrite();
    if (retention || options.legalHold) {
      assertLockEnabled(this.s3.bucket, bucket.enabled, "retention or legal hold");
    }
    return retention;
  }
}

function lockHeaders(retention: Retention | undefined, legalHold: boolean | undefined) {
  return {
    ...(retention
      ? { ObjectLockMode: retention.mode, ObjectLockRetainUntilDate: new Date(retention.retainUntil) }
      : {}),
    ...(legalHold ? { ObjectLockLegalHoldStatus: "ON" as const } : {}),
  };
}
