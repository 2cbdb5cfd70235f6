/**
 * Export of a dataset to a local file, as JSONL or as an envelope with the metadata another
 * machine needs (source machine, OS, collection date, total samples, environment, and the
 * dataset's id, version and SHA-256). A name ending in .gz is gzip-compressed. The file
 * appears complete or not at all (written aside, then renamed).
 */
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { once } from "node:events";
import { dirname, basename, join } from "node:path";
import { createGzip } from "node:zlib";
import { ValidationError } from "../core/errors.js";
import type { ExportFormat } from "./choices.js";
import { ENVELOPE_VERSION, EnvelopeWriter, localMetadata } from "./envelope.js";
import type { DataInput } from "./inputs.js";
import { sampleRow } from "./sample.js";

export interface ExportResult {
  file: string;
  format: ExportFormat;
  rows: number;
  gzip: boolean;
}

export async function exportData(
  input: DataInput,
  file: string,
  options: { format?: ExportFormat; metadata?: Record<string, unknown> } = {},
): Promise<ExportResult> {
  const format = options.format ?? (/\.json(\.gz)?$/.test(file) ? "envelope" : "jsonl");
  const gzip = file.endsWith(".gz");
  let total = input.lineage.rows;
  if (format === "envelope" && !total) {
    // The envelope states its size up front; count first when it is not recorded.
    for await (const _ of input.samples()) total++;
  }
  // A stored dataset yields its first row only once all of it has been checked against its
  // SHA-256, so an altered one fails here, before anything is written.
  const rowsIn = input.samples({ verifyFirst: true })[Symbol.asyncIterator]();
  let next = await rowsIn.next();
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fileOut = createWriteStream(tmp);
  const gz = gzip ? createGzip() : undefined;
  if (gz) gz.pipe(fileOut);
  const sink = gz ?? fileOut;
  const write = async (chunk: string): Promise<void> => {
    if (!sink.write(chunk)) await once(sink, "drain");
  };
  let rows = 0;
  try {
    const writer =
      format === "envelope"
        ? new EnvelopeWriter(write, {
            version: ENVELOPE_VERSION,
            metadata: localMetadata({
              source: input.lineage.version
                ? `${input.lineage.name}@${input.lineage.version}`
                : input.lineage.name,
              total_samples: total,
              dataset: input.lineage,
              ...options.metadata,
            }),
          })
        : undefined;
    await writer?.begin();
    for (; !next.done; next = await rowsIn.next()) {
      const s = next.value;
      const row = sampleRow(s);
      if (writer) await writer.sample(row);
      else await write(`${JSON.stringify(row)}\n`);
      rows++;
    }
    if (writer && rows !== total)
      throw new ValidationError(`${input.ref} yielded ${rows} rows, not the ${total} its record states`);
    await writer?.end();
    sink.end();
    await once(fileOut, "close");
    await rename(tmp, file);
  } catch (err) {
    await rowsIn.return?.(undefined);
    fileOut.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
  return { file, format, rows, gzip };
}
