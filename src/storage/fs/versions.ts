/**
 * Versions and deletes on local disk, with S3's meaning: a delete without a version id
 * only adds a delete marker, and deleting one version is where the Object Lock rules are
 * enforced, under the key's folder lock so no lock change can slip in between.
 */
import { mkdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { DIR_MODE } from "./modes.js";
import type { DeleteOptions, DeleteResult, VersionEntry } from "../types.js";
import { NoSuchVersionError } from "../errors.js";
import { validateKey, validatePrefix } from "../keys.js";
import { byteCompare } from "../listing.js";
import { assertDeletable } from "../rules.js";
import { type FsLayout, VERSIONS_DIR } from "./paths.js";
import { walkPrefix } from "./walk.js";
import { fsyncDir } from "./atomic.js";
import { withDirLock } from "./locks.js";
import { isMissing } from "./files.js";
import type { FsBucket } from "./bucket.js";
import { type FsRecords, nextVersionId } from "./records.js";

export class FsVersions {
  constructor(
    private readonly layout: FsLayout,
    private readonly bucket: FsBucket,
    private readonly records: FsRecords,
  ) {}

  async list(key: string): Promise<VersionEntry[]> {
    validateKey(key);
    const ids = await this.records.versionIds(this.layout.versionsDir(key));
    const out: VersionEntry[] = [];
    for (const id of ids) {
      const record = await this.records.read(key, id);
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

  /** Every key under the prefix that has any version, delete markers included, walking only the prefix's folder. */
  async *listAll(prefix: string): AsyncIterable<VersionEntry> {
    const p = validatePrefix(prefix);
    const keys: string[] = [];
    await walkPrefix(this.layout, p, async (key, dir) => {
      if ((await this.records.versionIds(join(dir, VERSIONS_DIR))).length > 0) keys.push(key);
      return true;
    });
    keys.sort(byteCompare);
    for (const key of keys) yield* await this.list(key);
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    validateKey(key);
    const { versionId } = options;
    if (versionId === undefined) return this.addDeleteMarker(key);
    const vdir = this.layout.versionsDir(key);
    if (!(await this.records.read(key, versionId))) throw new NoSuchVersionError(key, versionId);
    return withDirLock(vdir, async () => {
      const record = await this.records.read(key, versionId);
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

  /** Like S3: a delete marker becomes the latest version; locked versions stay untouched. */
  private async addDeleteMarker(key: string): Promise<DeleteResult> {
    await this.bucket.forWrite();
    const vdir = this.layout.versionsDir(key);
    await mkdir(vdir, { recursive: true, mode: DIR_MODE });
    return withDirLock(vdir, async () => {
      const markerId = nextVersionId(await this.records.versionIds(vdir));
      await this.records.write({
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
}
