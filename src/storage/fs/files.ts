/**
 * Reading the local backend's own files, where "not there" is an answer rather than an
 * error: a bucket not created yet, a version deleted by another process a moment ago, a
 * key with no folder. Writes go through atomic.ts.
 */
import { readdir, readFile } from "node:fs/promises";

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** The parsed JSON file, or undefined when it (or its folder) does not exist. */
export async function readJsonIfPresent<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/** The folder's entries, or none when it does not exist. */
export async function readdirIfPresent(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}
