/**
 * A per-folder lock that works across processes and survives kill -9.
 *
 * The lock is a file made with link(2), which is atomic and fails if the name exists, so
 * the file is never seen half-written: it always names its owner's pid. A waiter that
 * finds the owner dead breaks the lock, under a second "breaker" lock so that two waiters
 * can never both break it and end up holding it together. Within one process, callers
 * queue on a promise chain first so they do not spin against each other.
 */
import { randomBytes } from "node:crypto";
import { link, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { FILE_MODE } from "./modes.js";
import { hostname } from "node:os";
import { join } from "node:path";
import { StorageError } from "../errors.js";
import { isProcessAlive } from "./atomic.js";

const LOCK_NAME = ".lock";
const BREAKER_NAME = ".lock.break";
const HOST = hostname();

export interface LockOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
}

interface Owner {
  pid: number;
  host: string;
  token: string;
  at: string;
}

const queues = new Map<string, Promise<void>>();

export class LockTimeoutError extends StorageError {
  constructor(dir: string, owner: string) {
    super("LOCK_TIMEOUT", `timed out waiting for the lock on ${dir} (held by ${owner})`, 503, { dir });
    this.name = "LockTimeoutError";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readOwner(path: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Owner;
  } catch {
    return undefined;
  }
}

async function isStale(path: string, owner: Owner | undefined): Promise<boolean> {
  if (owner && owner.host === HOST) return !isProcessAlive(owner.pid);
  // Unreadable, or another machine's (a shared mount): only age can tell.
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > 10 * 60_000;
}

/** Breaks the lock if its owner is gone. Returns true when the caller should retry at once. */
async function breakIfStale(dir: string, token: string): Promise<boolean> {
  const lockPath = join(dir, LOCK_NAME);
  const owner = await readOwner(lockPath);
  if (!(await isStale(lockPath, owner))) return false;

  const breakerPath = join(dir, BREAKER_NAME);
  try {
    await writeFile(breakerPath, token, { flag: "wx", mode: FILE_MODE });
  } catch {
    // Someone else is breaking it; a breaker left by a killed process expires quickly.
    const info = await stat(breakerPath).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 5_000) await unlink(breakerPath).catch(() => undefined);
    return false;
  }
  try {
    // Re-check under the breaker: the lock may have changed hands since we looked.
    const again = await readOwner(lockPath);
    if (again?.token === owner?.token && (await isStale(lockPath, again))) {
      await unlink(lockPath).catch(() => undefined);
    }
    return true;
  } finally {
    await unlink(breakerPath).catch(() => undefined);
  }
}

async function acquire(dir: string, timeoutMs: number): Promise<() => Promise<void>> {
  const token = `${process.pid}-${randomBytes(6).toString("hex")}`;
  const lockPath = join(dir, LOCK_NAME);
  const mine = join(dir, `.lock-${token}`);
  const owner: Owner = { pid: process.pid, host: HOST, token, at: new Date().toISOString() };
  await writeFile(mine, JSON.stringify(owner), { flag: "wx", mode: FILE_MODE });
  const deadline = Date.now() + timeoutMs;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(mine, lockPath);
        return async () => {
          const current = await readOwner(lockPath);
          if (current?.token === token) await unlink(lockPath).catch(() => undefined);
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      if (await breakIfStale(dir, token)) continue;
      if (Date.now() > deadline) {
        const holder = await readOwner(lockPath);
        throw new LockTimeoutError(
          dir,
          holder ? `pid ${holder.pid} on ${holder.host}` : "an unknown process",
        );
      }
      await sleep(Math.min(2 + attempt * 2, 50) + Math.random() * 5);
    }
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

/** Runs `fn` while holding the lock of folder `dir` (which must exist). */
export async function withDirLock<T>(
  dir: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const previous = queues.get(dir) ?? Promise.resolve();
  let done!: () => void;
  const gate = new Promise<void>((r) => (done = r));
  const turn = previous.then(() => gate);
  queues.set(dir, turn);
  await previous;
  try {
    const release = await acquire(dir, options.timeoutMs ?? 30_000);
    try {
      return await fn();
    } finally {
      await release();
    }
  } finally {
    done();
    if (queues.get(dir) === turn) queues.delete(dir);
  }
}
