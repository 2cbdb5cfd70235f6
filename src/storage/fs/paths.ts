/**
 * Where the local backend keeps things. Each key is a folder path mirroring the key's
 * segments, so a user browsing the store sees its layout, and a key's versions live in
 * the folder's `.v/`. Names starting with "." are Bulwark's own: a key segment that
 * starts with "." or "%" is stored with a "%" in front, so no key can reach them.
 *
 *   <root>/.bulwark/presign-secret        HMAC key for presigned links (mode 0600)
 *   <root>/<bucket>/.bulwark/bucket.json  Object Lock configuration
 *   <root>/<bucket>/<seg>/.../<seg>/.v/   <versionId>.data + <versionId>.json, .lock, .tmp-*
 */
import { join } from "node:path";

export const VERSIONS_DIR = ".v";
export const META_DIR = ".bulwark";

export function encodeSegment(segment: string): string {
  return segment.startsWith(".") || segment.startsWith("%") ? `%${segment}` : segment;
}

/** The segment a folder name stands for, or undefined for Bulwark's own entries. */
export function decodeSegment(name: string): string | undefined {
  if (name.startsWith(".")) return undefined;
  return name.startsWith("%") ? name.slice(1) : name;
}

export class FsLayout {
  constructor(
    readonly root: string,
    readonly bucket: string,
  ) {}

  get bucketDir(): string {
    return join(this.root, this.bucket);
  }

  get bucketConfigFile(): string {
    return join(this.bucketDir, META_DIR, "bucket.json");
  }

  get secretFile(): string {
    return join(this.root, META_DIR, "presign-secret");
  }

  /** Folder of a (validated) key. */
  keyDir(key: string): string {
    return join(this.bucketDir, ...key.split("/").map(encodeSegment));
  }

  versionsDir(key: string): string {
    return join(this.keyDir(key), VERSIONS_DIR);
  }

  dataFile(key: string, versionId: string): string {
    return join(this.versionsDir(key), `${versionId}.data`);
  }

  recordFile(key: string, versionId: string): string {
    return join(this.versionsDir(key), `${versionId}.json`);
  }
}

/** Version ids sort by commit order: a zero-padded millisecond clock (never going back) and a random tail. */
const VERSION_ID = /^\d{15}-[0-9a-f]{8}$/;

export function isVersionId(id: string): boolean {
  return VERSION_ID.test(id);
}

/** The version id a `.v/` file name belongs to, or undefined for the folder's other files. */
export function versionIdOfFile(name: string, suffix: ".json" | ".data"): string | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const id = name.slice(0, -suffix.length);
  return isVersionId(id) ? id : undefined;
}

export function versionIdAfter(latest: string | undefined, now: number, random: string): string {
  const last = latest ? Number(latest.slice(0, 15)) : 0;
  const t = Math.max(now, last + 1);
  return `${String(t).padStart(15, "0")}-${random}`;
}
