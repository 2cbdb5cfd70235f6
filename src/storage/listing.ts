/** Listing helpers shared by the backends that page through keys themselves. */
import type { ListEntry } from "./types.js";
import { StorageArgumentError } from "./errors.js";

export const MAX_PAGE = 1000;

/** S3 orders keys by their UTF-8 bytes, which is not JavaScript's UTF-16 order. */
export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_PAGE;
  if (!Number.isInteger(limit) || limit < 1)
    throw new StorageArgumentError(`limit must be a positive integer`);
  return Math.min(limit, MAX_PAGE);
}

export function encodeCursor(after: string): string {
  return Buffer.from(JSON.stringify({ after }), "utf8").toString("base64url");
}

export function cursorAfter(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof parsed.after === "string") return parsed.after;
  } catch {
    // fall through
  }
  throw new StorageArgumentError("invalid list cursor (pass back the nextCursor of the previous page)");
}

export interface ListItem {
  /** The key, or the common prefix when `entry` is absent. */
  name: string;
  entry?: ListEntry;
}

/**
 * S3's delimiter rule: a key whose remainder after the prefix contains the delimiter is
 * rolled up into one common prefix ending at that delimiter. Returns the items sorted in
 * byte order without duplicates.
 */
export function groupByDelimiter(items: ListItem[], prefix: string, delimiter: string): ListItem[] {
  const out = new Map<string, ListItem>();
  for (const item of items) {
    if (item.entry && delimiter) {
      const rest = item.name.slice(prefix.length);
      const at = rest.indexOf(delimiter);
      if (at >= 0) {
        const common = prefix + rest.slice(0, at + delimiter.length);
        out.set(common, { name: common });
        continue;
      }
    }
    out.set(item.name, item);
  }
  const keyed = [...out.values()].map((item) => ({ item, bytes: Buffer.from(item.name, "utf8") }));
  keyed.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  return keyed.map((k) => k.item);
}
