/**
 * Versions and deletes on S3. The SDK lists versions and delete markers apart, so they are
 * merged back into S3's newest-first order here; and S3 answers 204 to the delete of a
 * version that does not exist, so a version delete looks the version up first and, when the
 * server refuses it, explains the lock in the same words as the local backend.
 */
import { DeleteObjectCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import type { DeleteOptions, DeleteResult, ObjectInfo, VersionEntry } from "../types.js";
import { NoSuchVersionError, ObjectLockedError } from "../errors.js";
import { validateKey, validatePrefix } from "../keys.js";
import { byteCompare } from "../listing.js";
import { assertDeletable } from "../rules.js";
import type { S3Connection } from "./client.js";
import type { S3Bucket } from "./bucket.js";
import { type S3Reader, toInfo } from "./read.js";
import { describeS3Error, isLockRefusal } from "./errors.js";

export class S3Versions {
  constructor(
    private readonly s3: S3Connection,
    private readonly bucket: S3Bucket,
    private readonly reader: S3Reader,
  ) {}

  async list(key: string): Promise<VersionEntry[]> {
    validateKey(key);
    const out: Array<VersionEntry & { order: number }> = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    let order = 0;
    do {
      let page;
      try {
        page = await this.s3.client.send(
          new ListObjectVersionsCommand({
            Bucket: this.s3.bucket,
            Prefix: key,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
          }),
        );
      } catch (err) {
        if (describeS3Error(err).code === "NoSuchBucket") return [];
        throw this.s3.error(err, "ListObjectVersions", key);
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
    return newestFirst(out);
  }

  /**
   * Every version and delete marker under a prefix. S3 pages through keys in byte order,
   * and one key's versions may straddle two pages, so a key is handed out only once the
   * listing has moved past it.
   */
  async *listAll(prefix: string): AsyncIterable<VersionEntry> {
    const p = validatePrefix(prefix);
    const pending = new Map<string, Array<VersionEntry & { order: number }>>();
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    let order = 0;
    const flush = function* (before: string | undefined) {
      const ready = [...pending.keys()].filter((k) => before === undefined || byteCompare(k, before) < 0);
      for (const key of ready.sort(byteCompare)) {
        yield* newestFirst(pending.get(key)!);
        pending.delete(key);
      }
    };
    for (;;) {
      let page;
      try {
        page = await this.s3.client.send(
          new ListObjectVersionsCommand({
            Bucket: this.s3.bucket,
            ...(p ? { Prefix: p } : {}),
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
          }),
        );
      } catch (err) {
        if (describeS3Error(err).code === "NoSuchBucket") return;
        throw this.s3.error(err, "ListObjectVersions", p);
      }
      const add = (key: string, entry: VersionEntry) => {
        const list = pending.get(key) ?? [];
        list.push({ ...entry, order: order++ });
        pending.set(key, list);
      };
      for (const v of page.Versions ?? []) {
        if (!v.Key) continue;
        add(v.Key, {
          key: v.Key,
          versionId: v.VersionId ?? "null",
          isLatest: v.IsLatest ?? false,
          isDeleteMarker: false,
          size: v.Size ?? 0,
          lastModified: (v.LastModified ?? new Date(0)).toISOString(),
        });
      }
      for (const m of page.DeleteMarkers ?? []) {
        if (!m.Key) continue;
        add(m.Key, {
          key: m.Key,
          versionId: m.VersionId ?? "null",
          isLatest: m.IsLatest ?? false,
          isDeleteMarker: true,
          size: 0,
          lastModified: (m.LastModified ?? new Date(0)).toISOString(),
        });
      }
      if (!page.IsTruncated || !page.NextKeyMarker) break;
      // The marker key may have more versions on the next page; everything before it is complete.
      yield* flush(page.NextKeyMarker);
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
    yield* flush(undefined);
  }

  /**
   * Whether a version exists, is a delete marker, and its lock state. Listing is the only
   * portable way to tell a delete marker from a missing version (HEAD of a marker is 405
   * on AWS, 404 on Ceph).
   */
  private async state(key: string, versionId: string): Promise<{ deleteMarker: boolean; info?: ObjectInfo }> {
    const entry = (await this.list(key)).find((v) => v.versionId === versionId);
    if (!entry) throw new NoSuchVersionError(key, versionId);
    if (entry.isDeleteMarker) return { deleteMarker: true };
    return { deleteMarker: false, info: toInfo(key, await this.reader.headRaw(key, versionId)) };
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    validateKey(key);
    const { versionId } = options;
    if (versionId === undefined) {
      await this.bucket.forWrite();
      const out = await this.s3.send(
        "DeleteObject",
        () => this.s3.client.send(new DeleteObjectCommand({ Bucket: this.s3.bucket, Key: key })),
        key,
      );
      return {
        key,
        ...(out.VersionId ? { versionId: out.VersionId } : {}),
        deleteMarker: out.DeleteMarker ?? true,
      };
    }
    // S3 answers 204 for a version that does not exist; look first so the caller learns it.
    const target = await this.state(key, versionId);
    try {
      await this.s3.client.send(
        new DeleteObjectCommand({
          Bucket: this.s3.bucket,
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
      throw this.s3.error(err, "DeleteObject", key, versionId);
    }
    return { key, versionId, deleteMarker: target.deleteMarker };
  }
}

/** Newest first, as S3 lists them; the SDK splits versions from markers, so merge by time. */
function newestFirst(entries: Array<VersionEntry & { order: number }>): VersionEntry[] {
  entries.sort(
    (a, b) =>
      Number(b.isLatest) - Number(a.isLatest) ||
      Date.parse(b.lastModified) - Date.parse(a.lastModified) ||
      a.order - b.order,
  );
  return entries.map(({ order: _order, ...entry }) => entry);
}
