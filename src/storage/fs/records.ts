/**
 * Version records on local disk: `<versionId>.json` beside the data file holds everything
 * about a version but its bytes, and its presence is what makes the version exist. Every
 * module that needs to find, read or write a version goes through here, so the S3-like
 * answers (NO_SUCH_KEY, NO_SUCH_VERSION, delete markers) are decided in one place.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { ListEntry, ObjectInfo, Retention } from "../types.js";
import { NoSuchKeyError, NoSuchVersionError } from "../errors.js";
import { validateKey } from "../keys.js";
import { type FsLayout, isVersionId, versionIdAfter, versionIdOfFile } from "./paths.js";
import { writeFileAtomic } from "./atomic.js";
import { FILE_MODE } from "./modes.js";
import { readJsonIfPresent, readdirIfPresent } from "./files.js";

export interface VersionRecord {
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

export class FsRecords {
  constructor(private readonly layout: FsLayout) {}

  async read(key: string, versionId: string): Promise<VersionRecord | undefined> {
    if (!isVersionId(versionId)) return undefined;
    return readJsonIfPresent<VersionRecord>(this.layout.recordFile(key, versionId));
  }

  /** Version ids in a key's `.v/` folder, newest first. */
  async versionIds(vdir: string): Promise<string[]> {
    const ids: string[] = [];
    for (const name of await readdirIfPresent(vdir)) {
      const id = versionIdOfFile(name, ".json");
      if (id) ids.push(id);
    }
    return ids.sort().reverse();
  }

  async latestIn(vdir: string): Promise<VersionRecord | undefined> {
    for (const id of await this.versionIds(vdir)) {
      // Deleted since the listing: the next one is now the latest.
      const record = await readJsonIfPresent<VersionRecord>(join(vdir, `${id}.json`));
      if (record) return record;
    }
    return undefined;
  }

  async write(record: VersionRecord): Promise<void> {
    const vdir = this.layout.versionsDir(record.key);
    await writeFileAtomic(
      this.layout.recordFile(record.key, record.versionId),
      JSON.stringify(record),
      vdir,
      FILE_MODE,
    );
  }

  /** The record a read or lock call addresses; throws the S3-equivalent 404 otherwise. */
  async live(key: string, versionId: string | undefined): Promise<VersionRecord> {
    validateKey(key);
    if (versionId !== undefined) {
      const record = await this.read(key, versionId);
      if (!record) throw new NoSuchVersionError(key, versionId);
      if (record.deleteMarker) throw new NoSuchVersionError(key, versionId, "is a delete marker");
      return record;
    }
    const record = await this.latestIn(this.layout.versionsDir(key));
    if (!record || record.deleteMarker) throw new NoSuchKeyError(key);
    return record;
  }
}

/** The id of a new version; only call it under the key's folder lock, with `ids` read under it. */
export function nextVersionId(ids: string[]): string {
  return versionIdAfter(ids[0], Date.now(), randomBytes(4).toString("hex"));
}

export function toInfo(record: VersionRecord): ObjectInfo {
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

export function toEntry(record: VersionRecord): ListEntry {
  return { key: record.key, size: record.size, lastModified: record.lastModified };
}
