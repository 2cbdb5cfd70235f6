/**
 * Samples from any byte stream in either dataset format, JSONL or the JSON envelope,
 * gzip or not, told apart by content (not by file name), validated row by row.
 * Every problem names the file and the line (JSONL) or the sample index (envelope).
 * The raw bytes are hashed as they pass, so the caller learns the SHA-256 of exactly
 * what it read.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { pipeline, Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { ValidationError } from "../core/errors.js";
import {
  checkEnvelopeFields,
  EnvelopeScanner,
  EnvelopeSyntaxError,
  type EnvelopeEvent,
  type EnvelopeHeader,
} from "./envelope.js";
import { LineTooLongError } from "./errors.js";
import { DEFAULT_MAX_LINE_BYTES, splitLines } from "./lines.js";
import { formatInvalid, type InvalidRow, type ReadOptions } from "./problems.js";
import { checkSample, type Sample } from "./sample.js";

export type DataFormat = "jsonl" | "envelope";

/** Files that may hold a dataset, when a folder is searched. */
export const DATA_FILE_PATTERN = /\.(jsonl|ndjson|json)(\.gz)?$/;
export const DATA_FILE_KINDS = ".jsonl, .ndjson or .json files (optionally .gz)";

export interface ReadDataOptions extends ReadOptions {
  /** Skip detection and read as this format. */
  format?: DataFormat;
  /** `source` of rows that name none (default: the file's base name). */
  defaultSource?: string;
}

/** Filled in while reading; complete once the generator has finished. */
export interface ReadSummary {
  format: DataFormat | undefined;
  rows: number;
  invalid: number;
  /** Size and SHA-256 of the raw (possibly gzip) bytes read. */
  bytes: number;
  sha256: string;
  gzip: boolean;
  /** The envelope's version and metadata, for an envelope. */
  header: EnvelopeHeader | undefined;
  /** Where the sample yielded last starts: its line, and its index in an envelope's samples. */
  at?: { line: number; index?: number };
}

export function emptySummary(): ReadSummary {
  return { format: undefined, rows: 0, invalid: 0, bytes: 0, sha256: "", gzip: false, header: undefined };
}

/** The name a file's rows get as their default `source`. */
export function sourceNameOf(file: string): string {
  return basename(file).replace(/\.(jsonl|ndjson|json)(\.gz)?$|\.gz$/, "") || "unknown";
}

async function* hashed(raw: AsyncIterable<Buffer>, hash: Hash, summary: ReadSummary): AsyncGenerator<Buffer> {
  for await (const chunk of raw) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    hash.update(buf);
    summary.bytes += buf.length;
    yield buf;
  }
}

/** Gunzips when the stream starts with gzip's magic bytes, passes it through otherwise. */
async function* gunzipped(input: AsyncIterable<Buffer>, summary: ReadSummary): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await it.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  const rest = (async function* () {
    yield head;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  })();
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    summary.gzip = true;
    // pipeline() forwards a source error to the gunzip stream, so iteration throws instead of hanging.
    yield* pipeline(Readable.from(rest), createGunzip(), () => undefined) as AsyncIterable<Buffer>;
  } else yield* rest;
}

async function* decoded(input: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  for await (const chunk of input) {
    const text = decoder.write(chunk);
    if (text) yield text;
  }
  const tail = decoder.end();
  if (tail) yield tail;
}

/**
 * JSONL unless the document opens like an envelope: `[` (a bare array of samples) or an
 * object whose first field is version, metadata or samples, or a `{` alone on its line.
 */
export function detectFormat(head: string): DataFormat {
  const t = head.replace(/^\uFEFF/, "").trimStart();
  if (t.startsWith("[")) return "envelope";
  if (!t.startsWith("{")) return "jsonl";
  const key = /^\{\s*"((?:[^"\\]|\\.)*)"/.exec(t);
  if (key) return ["version", "metadata", "samples"].includes(key[1]!) ? "envelope" : "jsonl";
  return /^\{[ \t]*\r?\n/.test(t) ? "envelope" : "jsonl";
}

const PEEK_BYTES = 65_536;

/** True once `text` (the start of a document) is enough to tell its format. */
function formatKnown(text: string): boolean {
  const t = text.replace(/^\uFEFF/, "").trimStart();
  return t.length > 0 && (t[0] !== "{" || /^\{\s*"(?:[^"\\]|\\.)*"/.test(t) || /^\{[ \t]*\r?\n/.test(t));
}

/**
 * Reads bytes until the format can be told (or PEEK_BYTES have passed, or the stream ends),
 * and gives back the text seen and a stream that replays those bytes before the rest.
 */
async function peek(input: AsyncIterable<Buffer>): Promise<{ head: string; stream: AsyncIterable<Buffer> }> {
  const it = input[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let size = 0;
  let head = "";
  let done = false;
  while (!formatKnown(head) && size <= PEEK_BYTES) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    seen.push(next.value);
    size += next.value.length;
    head = Buffer.concat(seen)
      .subarray(0, PEEK_BYTES + 4)
      .toString("utf8");
  }
  async function* stream(): AsyncGenerator<Buffer> {
    yield* seen;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, stream: stream() };
}

/**
 * Validated samples from a raw byte stream. `file` names the input in messages. Invalid
 * rows stop the read with a ValidationError naming file and line (or sample index), or
 * with `skipInvalid` are counted in `summary.invalid` and reported to `onInvalid`.
 */
export async function* readData(
  raw: AsyncIterable<Buffer>,
  file: string,
  options: ReadDataOptions = {},
  summary: ReadSummary = emptySummary(),
): AsyncGenerator<Sample> {
  const hash = createHash("sha256");
  const { head, stream } = await peek(gunzipped(hashed(raw, hash, summary), summary));
  const format = options.format ?? detectFormat(head);
  summary.format = format;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const defaultSource = options.defaultSource ?? sourceNameOf(file);
  const invalid = (problem: InvalidRow): void => {
    summary.invalid++;
    options.onInvalid?.(problem);
    if (!options.skipInvalid) throw new ValidationError(formatInvalid(problem), { ...problem });
  };

  if (format === "jsonl") {
    for await (const { line, raw: rawLine } of splitLines(stream, file, maxLineBytes)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawLine);
      } catch (err) {
        invalid({ file, line, field: "(row)", message: `not valid JSON: ${(err as Error).message}` });
        continue;
      }
      const checked = checkSample(parsed, { source: defaultSource });
      if (checked.sample) {
        summary.rows++;
        summary.at = { line };
        yield checked.sample;
      } else invalid({ file, line, ...checked.problems[0]! });
    }
  } else {
    yield* readEnvelope(
      decoded(stream),
      file,
      defaultSource,
      summary,
      invalid,
      maxLineBytes,
      options.onInvalid,
    );
  }
  summary.sha256 = hash.digest("hex");
}

async function* readEnvelope(
  text: AsyncIterable<string>,
  file: string,
  fileSource: string,
  summary: ReadSummary,
  invalid: (p: InvalidRow) => void,
  maxValueChars: number,
  onInvalid?: (p: InvalidRow) => void,
): AsyncGenerator<Sample> {
  const scanner = new EnvelopeScanner();
  const fields = new Map<string, unknown>();
  let defaultSource = fileSource;
  let count = 0;
  const syntax = (err: unknown): never => {
    if (err instanceof EnvelopeSyntaxError)
      throw new ValidationError(`${file}:${err.line}: not a valid JSON envelope: ${err.message}`, {
        file,
        line: err.line,
      });
    throw err;
  };
  function* handle(events: EnvelopeEvent[]): Generator<Sample> {
    for (const ev of events) {
      if (ev.type === "field") {
        try {
          fields.set(ev.key, JSON.parse(ev.raw));
        } catch (err) {
          throw new ValidationError(
            `${file}:${ev.line}: field "${ev.key}" is not valid JSON: ${(err as Error).message}`,
          );
        }
        const meta = fields.get("metadata") as { source?: unknown } | undefined;
        if (ev.key === "metadata" && typeof meta?.source === "string" && meta.source !== "")
          defaultSource = meta.source;
        continue;
      }
      count++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(ev.raw);
      } catch (err) {
        invalid({
          file,
          line: ev.line,
          index: ev.index,
          field: "(row)",
          message: `not valid JSON: ${(err as Error).message}`,
        });
        continue;
      }
      const checked = checkSample(parsed, { source: defaultSource });
      if (checked.sample) {
        summary.rows++;
        summary.at = { line: ev.line, index: ev.index };
        yield checked.sample;
      } else invalid({ file, line: ev.line, index: ev.index, ...checked.problems[0]! });
    }
  }
  try {
    for await (const chunk of text) {
      yield* handle(scanner.push(chunk));
      // A sample (or field) still open holds its text in memory: the line limit bounds it too.
      if (scanner.pendingChars > maxValueChars)
        throw new LineTooLongError(file, scanner.pendingLine, maxValueChars, "a value of the envelope");
    }
    yield* handle(scanner.end());
  } catch (err) {
    syntax(err);
  }
  if (scanner.hasSamples) fields.set("samples", true);
  const { header, problems } = checkEnvelopeFields(fields, count, scanner.isBareArray);
  summary.header = header;
  // Header problems are never skipped: a wrong total_samples means the file was cut short
  // or altered in transit, and an unknown field means it is not what the reader thinks.
  for (const p of problems) onInvalid?.({ file, line: 0, ...p });
  const first = problems[0];
  if (first) throw new ValidationError(formatInvalid({ file, line: 0, ...first }), { file, ...first });
}

/** Whether a file starts with gzip's magic bytes (names lie; contents do not). */
export async function isGzipFile(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Validated samples of a local file, JSONL or envelope, gzip or not. */
export function readDataFile(
  path: string,
  options: ReadDataOptions = {},
  summary: ReadSummary = emptySummary(),
): AsyncGenerator<Sample> {
  return readData(openFile(path), path, options, summary);
}

async function* openFile(path: string): AsyncGenerator<Buffer> {
  let stream;
  try {
    stream = createReadStream(path);
    yield* stream as AsyncIterable<Buffer>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ValidationError(`${path}: no such file`);
    if (code === "EISDIR") throw new ValidationError(`${path}: is a folder, not a file`);
    throw err;
  }
}
