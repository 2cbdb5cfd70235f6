/**
 * An S3 object's SHA-256 goes into its own metadata, which is fixed when the upload starts,
 * so a streamed body must be hashed to its end before it is sent. Small streams are held in
 * memory; past 8 MiB the body goes to a temporary file as it is read, so memory stays flat.
 */
import { mkdtemp, open, rm, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Body, bodyToBuffer, hashBody, isStreamBody, sha256Hex } from "../hashing.js";

/** Streams that end within this many bytes never touch the disk. */
const IN_MEMORY_LIMIT = 8 * 1024 * 1024;

export interface Spooled {
  sha256: string;
  size: number;
  /** The body, when it stayed in memory. */
  buffer?: Buffer;
  /** The temporary file holding the body otherwise. */
  file?: string;
  /** Removes the temporary file; call it once the upload is over, whatever its outcome. */
  cleanup: () => Promise<void>;
}

export async function spool(body: Body, spoolDir: string | undefined): Promise<Spooled> {
  const none = async () => undefined;
  if (!isStreamBody(body)) {
    const buffer = bodyToBuffer(body);
    return { sha256: sha256Hex(buffer), size: buffer.length, buffer, cleanup: none };
  }
  const chunks: Buffer[] = [];
  let held = 0;
  let dir: string | undefined;
  let handle: FileHandle | undefined;
  const cleanup = async () => {
    await handle?.close().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const { sha256, size } = await hashBody(body, async (buf) => {
      if (handle) {
        await handle.write(buf);
        return;
      }
      chunks.push(buf);
      held += buf.length;
      if (held <= IN_MEMORY_LIMIT) return;
      dir = await mkdtemp(join(spoolDir ?? tmpdir(), "bulwark-spool-"));
      handle = await open(join(dir, "body"), "wx", 0o600);
      for (const c of chunks.splice(0)) await handle.write(c);
    });
    if (!handle) return { sha256, size, buffer: Buffer.concat(chunks), cleanup: none };
    await handle.close();
    handle = undefined;
    return { sha256, size, file: join(dir as string, "body"), cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
