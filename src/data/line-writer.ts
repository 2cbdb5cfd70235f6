/**
 * Writes many small lines to a file stream in large chunks: one `write` per line costs
 * more than the line itself at millions of rows.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import type { Writable } from "node:stream";

export class LineWriter {
  private parts: string[] = [];
  private size = 0;
  private readonly hash = createHash("sha256");
  /** UTF-8 bytes written so far. */
  bytes = 0;

  constructor(
    private readonly out: Writable,
    private readonly chunkChars = 256 * 1024,
  ) {}

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.chunkChars) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = Buffer.from(this.parts.join(""), "utf8");
    this.parts = [];
    this.size = 0;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }

  /** SHA-256 of everything written; call after close(). */
  sha256(): string {
    return this.hash.digest("hex");
  }

  /** Flushes, ends the stream and waits until the file is closed. */
  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, "close");
  }
}
