/**
 * Reading objects on local disk: HEAD and GET from a version's record and data file, and
 * listing keys by walking the key folders. A listing walks only the folder the prefix names
 * (and with "/" as delimiter does not descend past the first level), so listing one
 * dataset does not read the whole store.
 */
import { open, readdir, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { GetOptions, ListEntry, ListOptions, ListPage, ObjectInfo } from "../types.js";
import { NoSuchKeyError, NoSuchVersionError } from "../errors.js";
import { validateKey, validatePrefix } from "../keys.js";
import { resolveRange } from "../rules.js";
import {
  type ListItem,
  byteCompare,
  cursorAfter,
  encodeCursor,
  groupByDelimiter,
  pageLimit,
} from "../listing.js";
import { type FsLayout, VERSIONS_DIR, decodeSegment } from "./paths.js";
import { walkPrefix } from "./walk.js";
import { isMissing } from "./files.js";
import { type FsRecords, toEntry, toInfo } from "./records.js";

export class FsReader {
  constructor(
    private readonly layout: FsLayout,
    private readonly records: FsRecords,
  ) {}

  async head(key: string, options: { versionId?: string } = {}): Promise<ObjectInfo> {
    return toInfo(await this.records.live(key, options.versionId));
  }

  async exists(key: string): Promise<boolean> {
    validateKey(key);
    const record = await this.records.latestIn(this.layout.versionsDir(key));
    return record !== undefined && !record.deleteMarker;
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const record = await this.records.live(key, options.versionId);
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

  async list(options: ListOptions = {}): Promise<ListPage> {
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
  private async collect(prefix: string, slashDelimited: boolean): Promise<ListItem[]> {
    const out: ListItem[] = [];
    await walkPrefix(this.layout, prefix, async (key, dir, depth) => {
      const record = await this.records.latestIn(join(dir, VERSIONS_DIR));
      if (record && !record.deleteMarker) out.push({ name: key, entry: toEntry(record) });
      if (!slashDelimited || depth > 0) return true;
      if (await this.hasLiveKey(dir)) out.push({ name: `${key}/` });
      return false;
    });
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
      const record = await this.records.latestIn(join(dir, name, VERSIONS_DIR));
      if (record && !record.deleteMarker) return true;
      if (await this.hasLiveKey(join(dir, name))) return true;
    }
    return false;
  }
}
