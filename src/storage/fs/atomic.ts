/**
 * Crash-safe file writes: write a temporary file in the same folder, fsync it, rename it
 * over the target (atomic on POSIX), fsync the folder. A crash leaves the old file or the
 * new one, never a torn one; a leftover temporary carries its writer's pid so it can be
 * swept once that process is gone.
 */
import { randomBytes } from "node:crypto";
import { open, readdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";

export const TMP_PREFIX = ".tmp-";

export function tempName(dir: string, suffix = ""): string {
  return join(dir, `${TMP_PREFIX}${process.pid}-${randomBytes(6).toString("hex")}${suffix}`);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileAtomic(
  path: string,
  data: string | Buffer,
  dir: string,
  mode = 0o644,
): Promise<void> {
  const tmp = tempName(dir);
  const handle = await open(tmp, "wx", mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const ABANDONED_AFTER_MS = 7 * 24 * 3600 * 1000;

/**
 * Removes temporaries whose writer died (a crash or kill -9 mid-put). Only call it while
 * holding the folder's lock; live writers' files are left alone.
 */
export async function sweepTemporaries(dir: string, prefixes = [TMP_PREFIX, ".lock-"]): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const prefix = prefixes.find((p) => name.startsWith(p));
    if (!prefix) continue;
    const pid = Number(name.slice(prefix.length).split("-")[0]);
    let abandoned = !isProcessAlive(pid);
    if (!abandoned) {
      const info = await stat(join(dir, name)).catch(() => undefined);
      abandoned = info !== undefined && Date.now() - info.mtimeMs > ABANDONED_AFTER_MS;
    }
    if (abandoned && pid !== process.pid) {
      await unlink(join(dir, name)).then(
        () => removed++,
        () => undefined,
      );
    }
  }
  return removed;
}
