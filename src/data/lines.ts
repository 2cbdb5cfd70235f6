/**
 * Lines of a byte stream, in time linear in its size, each held to a length limit.
 *
 * Each new chunk is searched for line ends once and only from where the last search
 * stopped; the pieces of a line still open are kept in a list and joined once, when its
 * end arrives. (Appending chunks to one string and searching it again on every chunk takes
 * time quadratic in a line's length: a 32 MB line took seconds and held the event loop.)
 * Lines are split as bytes and decoded whole, so a character whose UTF-8 bytes, or a CRLF,
 * straddle two chunks comes out intact. A line longer than the limit stops the read at
 * that line, before more of it is kept.
 */
import { LineTooLongError } from "./errors.js";

/**
 * The default longest line, in bytes: a row holding a text of the longest length detection
 * accepts (1,048,576 characters, BULWARK_MAX_TEXT_CHARS) written as 3-byte UTF-8, with
 * room for its other fields.
 */
export const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

export interface Line {
  /** 1-based. */
  line: number;
  /** Without its line end (LF or CRLF); never blank. */
  raw: string;
}

/** Non-blank lines with their numbers. `file` names the stream in the error for a long line. */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  file: string,
  maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let size = 0;
  let line = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (size + piece.length > maxLineBytes) throw new LineTooLongError(file, line + 1, maxLineBytes);
      if (nl === -1) {
        if (piece.length > 0) {
          parts.push(piece);
          size += piece.length;
        }
        break;
      }
      line++;
      const bytes = parts.length === 0 ? piece : Buffer.concat([...parts, piece]);
      parts = [];
      size = 0;
      start = nl + 1;
      const raw = decode(bytes);
      if (raw !== undefined) yield { line, raw };
    }
  }
  const raw = size > 0 ? decode(Buffer.concat(parts)) : undefined;
  if (raw !== undefined) yield { line: line + 1, raw };
}

/** The line as text without a trailing CR, or undefined when it is blank. */
function decode(bytes: Buffer): string | undefined {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  const raw = bytes.toString("utf8", 0, end);
  return raw.trim() === "" ? undefined : raw;
}
