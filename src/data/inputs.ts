/**
 * What commands accept as data: a dataset from the catalogue (id, name, name@version),
 * `bundled`, or plain files and folders. Each input knows its lineage (what a run records)
 * and can be read any number of times.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { ValidationError } from "../core/errors.js";
import { type DatasetCatalog } from "./datasets.js";
import { BUNDLED, lineageOf, type DatasetLineage } from "./dataset-record.js";
import { bundledDataset } from "./bundled-dataset.js";
import { DatasetNotFoundError } from "./errors.js";
import { DATA_FILE_KINDS, DATA_FILE_PATTERN, emptySummary, readDataFile } from "./formats.js";
import { bundledCorpusFiles } from "./corpus.js";
import { expandInputs } from "./files.js";
import { UNKNOWN_PRIVACY, type DatasetPrivacy } from "./privacy.js";
import type { ReadOptions } from "./problems.js";
import type { Sample } from "./sample.js";

export interface DataInput {
  /** As the user wrote it. */
  ref: string;
  kind: "dataset" | "bundled" | "file";
  /** Rows are counted on the first full read for files. */
  lineage: DatasetLineage;
  /** Size of the stored data in bytes (compressed for gzip files): how big a read will be. */
  bytes: number;
  /** Invalid rows skipped by the last full read (files read with skipInvalid). */
  invalid: number;
  /** What the dataset's manifest says about personal data; "unknown" for plain files. */
  privacy: DatasetPrivacy;
  /**
   * With `verifyFirst`, a stored dataset yields no row before its whole content has been
   * checked against its SHA-256 (for exports); otherwise the check comes after the last row.
   */
  samples(options?: { verifyFirst?: boolean }): AsyncIterable<Sample>;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export async function resolveInputs(
  catalog: DatasetCatalog | undefined,
  refs: string[],
  options: ReadOptions = {},
): Promise<DataInput[]> {
  const out: DataInput[] = [];
  for (const ref of refs) {
    if (ref === BUNDLED) {
      const d = await bundledDataset();
      out.push({
        ref,
        kind: "bundled",
        lineage: lineageOf(d),
        bytes: d.size,
        invalid: 0,
        privacy: d.privacy,
        async *samples() {
          for (const f of bundledCorpusFiles()) yield* readDataFile(f);
        },
      });
      continue;
    }
    if (existsSync(ref)) {
      for (const file of expandInputs([ref], DATA_FILE_PATTERN, DATA_FILE_KINDS)) {
        const lineage: DatasetLineage = {
          id: null,
          name: file,
          version: null,
          sha256: await sha256File(file),
          rows: 0,
        };
        const input: DataInput = {
          ref: file,
          kind: "file",
          lineage,
          bytes: statSync(file).size,
          invalid: 0,
          privacy: { ...UNKNOWN_PRIVACY },
          async *samples() {
            const summary = emptySummary();
            const limit = catalog ? { maxLineBytes: catalog.maxLineBytes } : {};
            yield* readDataFile(file, { ...limit, ...options }, summary);
            lineage.rows = summary.rows;
            input.invalid = summary.invalid;
            if (summary.sha256 !== lineage.sha256)
              throw new ValidationError(`${file} changed while it was being read`);
          },
        };
        out.push(input);
      }
      continue;
    }
    if (!catalog) throw new DatasetNotFoundError(ref);
    const d = await catalog.resolve(ref);
    out.push({
      ref,
      kind: "dataset",
      lineage: lineageOf(d),
      bytes: d.size,
      invalid: 0,
      privacy: d.privacy,
      samples: (options) => catalog.samples(d, options),
    });
  }
  return out;
}

/** Every input's rows, one input after another. */
export async function* allSamples(inputs: readonly DataInput[]): AsyncGenerator<Sample> {
  for (const input of inputs) yield* input.samples();
}
