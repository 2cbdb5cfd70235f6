/** SHA-256 computed while bytes stream past, so no body is ever read twice or held whole. */
import { createHash, type Hash } from "node:crypto";
import { Readable, Transform, type TransformCallback } from "node:stream";

export class HashingStream extends Transform {
  private readonly hash: Hash = createHash("sha256");
  private digestHex: string | undefined;
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.digestHex = this.hash.digest("hex");
    callback();
  }

  /** Hex digest; only valid once the stream has ended. */
  get sha256(): string {
    if (this.digestHex === undefined) throw new Error("HashingStream: digest read before the end");
    return this.digestHex;
  }
}

export function sha256Hex(data: Buffer | Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export type Body = Readable | Buffer | Uint8Array | string;

export function isStreamBody(body: Body): body is Readable {
  return body instanceof Readable;
}

export function bodyToBuffer(body: Exclude<Body, Readable>): Buffer {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * Hands a body's bytes to `onChunk` in order and returns their SHA-256 and length. A stream
 * is read a chunk at a time and `onChunk` is awaited before the next one is read, so a slow
 * sink holds the stream back and memory stays flat whatever the size; any other body is one
 * chunk.
 */
export async function hashBody(
  body: Body,
  onChunk: (chunk: Buffer) => Promise<void> | void,
): Promise<{ sha256: string; size: number }> {
  if (!isStreamBody(body)) {
    const buf = bodyToBuffer(body);
    await onChunk(buf);
    return { sha256: sha256Hex(buf), size: buf.length };
  }
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    hash.update(buf);
    size += buf.length;
    await onChunk(buf);
  }
  return { sha256: hash.digest("hex"), size };
}

/** Reads a stream to its end and returns its SHA-256 and length. */
export function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  return hashBody(stream, () => undefined);
}

export async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
