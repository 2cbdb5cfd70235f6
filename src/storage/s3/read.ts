/**
 * Reading objects on S3: HEAD, GET with byte ranges, and listing keys. Servers answer a
 * missing or deleted object in different ways (404, 405 for a delete marker, NoSuchBucket),
 * so each is turned here into the NO_SUCH_KEY or NO_SUCH_VERSION the local backend throws;
 * and HEAD's answer becomes ObjectInfo here, the one place that knows where the SHA-256 is.
 */
import type { Readable } from "node:stream";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type HeadObjectCommandOutput,
} from "@aws-sdk/client-s3";
import type { GetOptions, ListEntry, ListOptions, ListPage, ObjectInfo } from "../types.js";
import { NoSuchKeyError, NoSuchVersionError } from "../errors.js";
import { validateKey, validatePrefix } from "../keys.js";
import { DEFAULT_CONTENT_TYPE, SHA256_META, validateRange } from "../rules.js";
import { pageLimit } from "../listing.js";
import type { S3Connection } from "./client.js";
import { describeS3Error } from "./errors.js";

export class S3Reader {
  constructor(private readonly s3: S3Connection) {}

  /** HEAD of one version (the latest without `versionId`), with the key already checked. */
  async headRaw(key: string, versionId: string | undefined): Promise<HeadObjectCommandOutput> {
    try {
      return await this.s3.client.send(
        new HeadObjectCommand({
          Bucket: this.s3.bucket,
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
      throw this.s3.error(err, "HeadObject", key, versionId);
    }
  }

  async head(key: string, options: { versionId?: string } = {}): Promise<ObjectInfo> {
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

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    validateKey(key);
    const { versionId, range } = options;
    validateRange(range);
    try {
      const out = await this.s3.client.send(
        new GetObjectCommand({
          Bucket: this.s3.bucket,
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
      throw this.s3.error(err, "GetObject", key, versionId);
    }
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const prefix = validatePrefix(options.prefix);
    const limit = pageLimit(options.limit);
    try {
      const out = await this.s3.client.send(
        new ListObjectsV2Command({
          Bucket: this.s3.bucket,
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
      throw this.s3.error(err, "ListObjectsV2");
    }
  }
}

export function toInfo(key: string, h: HeadObjectCommandOutput): ObjectInfo {
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
    contentType: h.ContentType ?? DEFAULT_CONTENT_TYPE,
    metadata,
    lastModified: (h.LastModified ?? new Date(0)).toISOString(),
    ...(retention ? { retention } : {}),
    legalHold: h.ObjectLockLegalHoldStatus === "ON",
  };
}
