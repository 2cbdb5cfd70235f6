/**
 * Streaming JSONL: lines are read one at a time (constant memory whatever the file size),
 * gzip is recognised by its magic bytes, and every line keeps its number for error messages.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

export interface JsonlLine {
  line: number;
  raw: string;
}

export async function isGzipFile(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** A readable of the file's text, gunzipped when the file is gzip. */
export async function openText(path: string): Promise<Readable> {
  const raw = createReadStream(path);
  return (await isGzipFile(path)) ? raw.pipe(createGunzip()) : raw;
}

/** Non-empty lines of a text stream with their 1-based line numbers. */
export async function* readLines(stream: Readable): AsyncGenerator<JsonlLine> {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const raw of rl) {
    line++;
    if (raw.trim() === "") continue;
    yield { line, raw };
  }
}

export async function* readJsonlFile(path: string): AsyncGenerator<JsonlLine> {
  yield* readLines(await openText(path));
}
