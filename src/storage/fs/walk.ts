/**
 * The one walk over a prefix's key folders, shared by listing live keys and listing every
 * version: it starts at the folder of the prefix's complete segments (never the whole
 * bucket), keeps the names that start with the partial last segment, and lets the caller
 * decide, key by key, whether to go deeper.
 */
import { join } from "node:path";
import { readdirIfPresent } from "./files.js";
import { type FsLayout, decodeSegment } from "./paths.js";

/** Told each key under the prefix with its folder and depth; answers whether to walk into it. */
export type KeyVisitor = (key: string, dir: string, depth: number) => Promise<boolean>;

export async function walkPrefix(layout: FsLayout, prefix: string, visit: KeyVisitor): Promise<void> {
  const segments = prefix.split("/");
  const partial = segments.pop() ?? "";
  const base = segments.length ? `${segments.join("/")}/` : "";
  const startDir = segments.length ? layout.keyDir(segments.join("/")) : layout.bucketDir;
  const walk = async (dir: string, keyPrefix: string, filter: string | undefined, depth: number) => {
    for (const name of await readdirIfPresent(dir)) {
      const segment = decodeSegment(name);
      if (segment === undefined) continue;
      if (filter !== undefined && !segment.startsWith(filter)) continue;
      const key = keyPrefix + segment;
      const childDir = join(dir, name);
      if (await visit(key, childDir, depth)) await walk(childDir, `${key}/`, undefined, depth + 1);
    }
  };
  await walk(startDir, base, partial, 0);
}
