/** `bulwark scan`: a JSONL file of any size through the detector, line by line. */
import { once } from "node:events";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { Readable, Writable } from "node:stream";
import { createGunzip } from "node:zlib";
import { ValidationError } from "../../core/errors.js";
import { loadConfig } from "../../core/config.js";
import { isGzipFile } from "../../data/formats.js";
import { splitLines } from "../../data/lines.js";
import type { Detector } from "../../detect/types.js";
import { detectorFromOptions } from "../model-option.js";
import { printJson } from "../output.js";
import { createProgress } from "../progress.js";

interface ScanOpts {
  input: string;
  output?: string;
  model?: string;
  threshold?: number;
  field: string;
  skipInvalid?: boolean;
  json?: boolean;
  progress: boolean;
}

export interface ScanSummary {
  input: string;
  output: string;
  lines: number;
  scanned: number;
  flagged: number;
  skipped: number;
  seconds: number;
  textsPerSecond: number;
}

const FLUSH_BYTES = 1 << 16;

/**
 * Streams JSONL through the detector: one output line per input line, in order, memory
 * bounded by one line and one output chunk. A bad line stops the scan with its number,
 * unless `skipInvalid`, where it gets an `error` line in the output and is counted.
 */
export async function scanStream(
  input: Readable,
  output: Writable,
  detector: Detector,
  options: {
    file: string;
    field: string;
    skipInvalid: boolean;
    onLine?: (line: number) => void;
    /** Longest line; past it the scan stops with LINE_TOO_LONG naming the line. */
    maxLineBytes?: number;
  },
): Promise<Omit<ScanSummary, "input" | "output" | "seconds" | "textsPerSecond">> {
  let chunk = "";
  let line = 0;
  let scanned = 0;
  let flagged = 0;
  let skipped = 0;
  const flush = async () => {
    if (!output.write(chunk)) await once(output, "drain");
    chunk = "";
  };
  for await (const next of splitLines(input as AsyncIterable<Buffer>, options.file, options.maxLineBytes)) {
    line = next.line;
    const raw = next.raw;
    let problem: string | undefined;
    let text: string | undefined;
    let id: unknown;
    try {
      const row = JSON.parse(raw) as unknown;
      if (!row || typeof row !== "object" || Array.isArray(row)) problem = "expected a JSON object";
      else {
        const value = (row as Record<string, unknown>)[options.field];
        if (typeof value !== "string")
          problem = `field "${options.field}": expected a string, got ${value === undefined ? "nothing" : typeof value}`;
        else text = value;
        id = (row as Record<string, unknown>).id;
      }
    } catch (err) {
      problem = `not valid JSON: ${(err as Error).message}`;
    }
    if (problem !== undefined || text === undefined) {
      if (!options.skipInvalid)
        throw new ValidationError(`${options.file}:${line}: ${problem}`, { file: options.file, line });
      skipped++;
      chunk += `${JSON.stringify({ line, error: problem })}\n`;
    } else {
      // Awaited only when the detector must wait: the built-in model stays synchronous.
      const answer = detector.detect(text, { evidence: false });
      const v = answer instanceof Promise ? await answer : answer;
      scanned++;
      if (v.flagged) flagged++;
      chunk +=
        `{${id === undefined ? "" : `"id":${JSON.stringify(id)},`}"line":${line},"score":${Math.round(v.score * 1e6) / 1e6},` +
        `"flagged":${v.flagged},"category":${v.category === null ? "null" : `"${v.category}"`}}\n`;
    }
    if (chunk.length >= FLUSH_BYTES) await flush();
    if ((line & 1023) === 0) options.onLine?.(line);
  }
  if (chunk) await flush();
  return { lines: line, scanned, flagged, skipped };
}

export async function scan(opts: ScanOpts): Promise<void> {
  let size: number;
  try {
    size = statSync(opts.input).size;
  } catch {
    throw new ValidationError(`${opts.input}: no such file`);
  }
  const detector = await detectorFromOptions(opts);
  const gzip = await isGzipFile(opts.input);
  const raw = createReadStream(opts.input, { highWaterMark: 1 << 16 });
  const input = gzip ? raw.pipe(createGunzip()) : raw;
  const progress = createProgress(
    opts.progress && process.stderr.isTTY === true && opts.output !== undefined,
  );
  progress.start(size, "scanning");
  // Write beside the target and rename at the end: a failed scan leaves no half file.
  const tmp = opts.output ? `${opts.output}.${process.pid}.tmp` : undefined;
  const output = tmp ? createWriteStream(tmp) : process.stdout;
  const started = performance.now();
  try {
    const result = await scanStream(input, output, detector, {
      file: opts.input,
      field: opts.field,
      skipInvalid: Boolean(opts.skipInvalid),
      maxLineBytes: loadConfig().data.maxLineBytes,
      onLine: () => progress.update(raw.bytesRead),
    });
    if (tmp) {
      output.end();
      await once(output, "finish");
      await rename(tmp, opts.output!);
    }
    progress.stop();
    const seconds = (performance.now() - started) / 1000;
    const summary: ScanSummary = {
      input: opts.input,
      output: opts.output ?? "-",
      ...result,
      seconds,
      textsPerSecond: result.scanned / seconds,
    };
    // With results on stdout, the summary must not mix into them.
    if (opts.json && opts.output) printJson(summary);
    else if (opts.json) process.stderr.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stderr.write(
        `scanned ${summary.scanned} texts (${summary.flagged} flagged${summary.skipped ? `, ${summary.skipped} invalid lines skipped` : ""}) ` +
          `in ${seconds.toFixed(2)} s, ${Math.round(summary.textsPerSecond)} texts/s\n`,
      );
    }
  } catch (err) {
    progress.stop();
    if (tmp) {
      output.destroy();
      await rm(tmp, { force: true });
    }
    throw err;
  }
}
