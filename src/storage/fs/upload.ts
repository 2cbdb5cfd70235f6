/**
 * Writing versions on local disk. Content goes to a read-only temporary file while its
 * SHA-256 is computed, is fsynced, and only then is committed under the key's folder lock
 * by two renames: the data, then the JSON record that makes the version visible. A crash
 * at any point leaves either no new version or a whole one, and what it leaves behind is
 * swept by the next write to the key.
 */
import { mkdir, open, readdir, rename, unlink, type FileHandle } from "node:fs/promises";
import { DIR_MODE, VERSION_FILE_MODE } from "./modes.js";
import { join } from "node:path";
import type { ObjectInfo, PutOptions, PutResult, Retention } from "../types.js";
import { ChecksumMismatchError } from "../errors.js";
import { validateKey } from "../keys.js";
import { type Body, hashBody } from "../hashing.js";
import {
  assertLockEnabled,
  retentionFromDefault,
  validateContentType,
  validateMetadata,
  validateRetention,
} from "../rules.js";
import { type FsLayout, versionIdOfFile } from "./paths.js";
import { sweepTemporaries, tempName } from "./atomic.js";
import { withDirLock } from "./locks.js";
import type { FsBucket } from "./bucket.js";
import { type FsRecords, nextVersionId } from "./records.js";
import type { FsReader } from "./read.js";

interface WriteSpec {
  contentType: string;
  metadata: Record<string, string>;
  retention: Retention | undefined;
  legalHold: boolean;
  /** A copy's source SHA-256: the bytes written must match it. */
  expectedSha256?: string;
}

export class FsUploads {
  constructor(
    private readonly layout: FsLayout,
    private readonly bucket: FsBucket,
    private readonly records: FsRecords,
    private readonly reader: FsReader,
  ) {}

  async put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    const spec = await this.writeSpec(options);
    return this.writeVersion(key, body, spec);
  }

  async copy(
    sourceKey: string,
    targetKey: string,
    options: PutOptions & { sourceVersionId?: string } = {},
  ): Promise<PutResult> {
    validateKey(targetKey);
    const source = await this.reader.head(
      sourceKey,
      options.sourceVersionId ? { versionId: options.sourceVersionId } : {},
    );
    // Like S3's CopyObject: content type and metadata come along unless replaced; retention does not.
    const spec = await this.writeSpec(options, source);
    const stream = await this.reader.get(sourceKey, { versionId: source.versionId });
    return this.writeVersion(targetKey, stream, { ...spec, expectedSha256: source.sha256 });
  }

  private async writeSpec(options: PutOptions, inherited?: ObjectInfo): Promise<WriteSpec> {
    const contentType = validateContentType(options.contentType ?? inherited?.contentType);
    const metadata = validateMetadata(options.metadata ?? inherited?.metadata);
    const asked = options.retention && validateRetention(options.retention);
    const bucket = await this.bucket.forWrite();
    if (asked || options.legalHold) {
      assertLockEnabled(this.layout.bucket, bucket.objectLock, "retention or legal hold");
    }
    // The bucket default is applied here, as an S3 server applies it when the version is made.
    const retention =
      asked ??
      (bucket.objectLock && bucket.defaultRetention
        ? retentionFromDefault(bucket.defaultRetention)
        : undefined);
    return { contentType, metadata, retention, legalHold: options.legalHold ?? false };
  }

  private async writeVersion(key: string, body: Body, spec: WriteSpec): Promise<PutResult> {
    const vdir = this.layout.versionsDir(key);
    await mkdir(vdir, { recursive: true, mode: DIR_MODE });
    // Read-only from birth: a version's bytes never change once written.
    const tmp = tempName(vdir, ".data");
    const handle = await open(tmp, "wx", VERSION_FILE_MODE);
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
        const ids = await this.records.versionIds(vdir);
        await removeOrphanData(vdir, ids);
        const versionId = nextVersionId(ids);
        await rename(tmp, this.layout.dataFile(key, versionId));
        await this.records.write({
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
    const id = versionIdOfFile(name, ".data");
    if (id && !live.has(id)) await unlink(join(vdir, name)).catch(() => undefined);
  }
}
