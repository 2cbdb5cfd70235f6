/**
 * Merging datasets into a new one, with duplicates removed and label conflicts resolved
 * by a named rule.
 *
 * Two texts are duplicates when they are equal (exact) or equal after NFKC, lower-casing
 * and collapsing whitespace (normalised). Duplicates that carry different labels are a
 * conflict: one copy is kept with the label the rule picks, or none with `drop`.
 *
 * Two passes over a local staging copy keep memory to one small entry per distinct text
 * (a 96-bit hash and four integers), not the texts themselves, so millions of rows merge
 * on a laptop. Pass 1 groups and counts; pass 2 writes the first row of each group that
 * has the winning label, in input order.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "../core/errors.js";
import { RULE_DESCRIPTIONS, type ConflictRule } from "./choices.js";
import type { DatasetCatalog } from "./datasets.js";
import type { DatasetLineage, DatasetRecord } from "./dataset-record.js";
import { readData } from "./formats.js";
import { LineWriter } from "./line-writer.js";
import type { DataInput } from "./inputs.js";
import { combinePrivacy } from "./privacy.js";
import type { Sample } from "./sample.js";

/** The dedup key's text: NFKC, lower case, runs of whitespace as one space, trimmed. */
export function normaliseForDedup(text: string): string {
  // NFKC leaves ASCII unchanged, and ICU's normaliser is the slowest step here: skip it then.
  const nfkc = /^[\x00-\x7f]*$/.test(text) ? text : text.normalize("NFKC");
  return nfkc.toLowerCase().replace(/\s+/gu, " ").trim();
}

function key(text: string): string {
  return createHash("sha256").update(text).digest("base64").slice(0, 16);
}

export interface ConflictEntry {
  text: string;
  labels: { "0": number; "1": number };
  resolved: 0 | 1 | null;
  /** Refs of the inputs holding the first benign and first attack copy. */
  inputs: { benign: string; attack: string };
}

export interface MergeReport {
  rule: ConflictRule;
  ruleDescription: string;
  inputs: DatasetLineage[];
  rowsIn: number;
  rowsOut: number;
  exactDuplicates: number;
  normalisedDuplicates: number;
  /** Distinct texts (after normalisation) that carried both labels. */
  conflicts: number;
  /** Conflicting texts left out (rule `drop`). */
  dropped: number;
  /** The first conflicts, for a quick look; the full list is stored beside the dataset. */
  conflictExamples: ConflictEntry[];
  /** Object key of the full conflict report (JSONL), when there were conflicts. */
  conflictReportKey?: string;
}

/** Grows like an array, stores like a typed one. */
class IntColumn {
  data = new Int32Array(1024);
  get(i: number): number {
    return this.data[i]!;
  }
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const next = new Int32Array(Math.max(this.data.length * 2, i + 1));
      next.set(this.data);
      this.data = next;
    }
    this.data[i] = v;
  }
}

export interface MergeOptions {
  name: string;
  rule?: ConflictRule;
  examples?: number;
  tmpDir?: string;
}

export async function mergeDatasets(
  catalog: DatasetCatalog,
  inputs: readonly DataInput[],
  options: MergeOptions,
): Promise<{ dataset: DatasetRecord; report: MergeReport }> {
  if (inputs.length === 0) throw new ValidationError("merge needs at least one dataset");
  const rule = options.rule ?? "majority";
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), "bulwark-merge-"));
  try {
    // Pass 1: stage every row locally and group by normalised text.
    const staged = join(dir, "staged.jsonl");
    const out = new LineWriter(createWriteStream(staged));
    const groups = new Map<string, number>();
    const exact = new Set<string>();
    const n0 = new IntColumn();
    const n1 = new IntColumn();
    const first0 = new IntColumn();
    const first1 = new IntColumn();
    // Each row's group, so pass 2 does not normalise and hash again.
    const groupOfRow = new IntColumn();
    const inputOfRow: number[] = [];
    let rowsIn = 0;
    let exactDuplicates = 0;
    let normalisedDuplicates = 0;
    try {
      for (const input of inputs) {
        inputOfRow.push(rowsIn);
        for await (const s of input.samples()) {
          await out.write(`${JSON.stringify(s)}\n`);
          const k = key(normaliseForDedup(s.text));
          const e = key(s.text);
          let g = groups.get(k);
          if (g === undefined) {
            g = groups.size;
            groups.set(k, g);
            n0.set(g, 0);
            n1.set(g, 0);
            first0.set(g, -1);
            first1.set(g, -1);
          } else if (exact.has(e)) exactDuplicates++;
          else normalisedDuplicates++;
          exact.add(e);
          groupOfRow.set(rowsIn, g);
          if (s.label === 1) {
            n1.set(g, n1.get(g) + 1);
            if (first1.get(g) < 0) first1.set(g, rowsIn);
          } else {
            n0.set(g, n0.get(g) + 1);
            if (first0.get(g) < 0) first0.set(g, rowsIn);
          }
          rowsIn++;
        }
      }
    } finally {
      await out.close();
    }
    exact.clear();

    const inputAt = (row: number): string => {
      let i = inputOfRow.length - 1;
      while (i > 0 && inputOfRow[i]! > row) i--;
      return inputs[i]!.ref;
    };
    const resolve = (g: number): 0 | 1 | null => {
      const a = n0.get(g);
      const b = n1.get(g);
      if (a === 0) return 1;
      if (b === 0) return 0;
      switch (rule) {
        case "majority":
          return b >= a ? 1 : 0;
        case "attack":
          return 1;
        case "benign":
          return 0;
        case "first":
          return first1.get(g) < first0.get(g) ? 1 : 0;
        case "drop":
          return null;
      }
    };

    // Pass 2: keep the first copy carrying the winning label; note every conflict.
    const conflictsFile = join(dir, "conflicts.jsonl");
    const conflictsOut = new LineWriter(createWriteStream(conflictsFile));
    const examples: ConflictEntry[] = [];
    let conflicts = 0;
    let dropped = 0;
    let rowsOut = 0;
    async function* kept(): AsyncGenerator<Sample> {
      let row = 0;
      try {
        for await (const s of readData(createReadStream(staged), staged, {
          format: "jsonl",
          maxLineBytes: catalog.maxLineBytes,
        })) {
          const g = groupOfRow.get(row);
          const label = resolve(g);
          const conflict = n0.get(g) > 0 && n1.get(g) > 0;
          if (conflict && row === Math.min(first0.get(g), first1.get(g))) {
            conflicts++;
            if (label === null) dropped++;
            const entry: ConflictEntry = {
              text: s.text.length > 500 ? `${s.text.slice(0, 500)}…` : s.text,
              labels: { "0": n0.get(g), "1": n1.get(g) },
              resolved: label,
              inputs: { benign: inputAt(first0.get(g)), attack: inputAt(first1.get(g)) },
            };
            if (examples.length < (options.examples ?? 20)) examples.push(entry);
            await conflictsOut.write(`${JSON.stringify(entry)}\n`);
          }
          if (label !== null && row === (label === 1 ? first1.get(g) : first0.get(g))) {
            rowsOut++;
            yield s;
          }
          row++;
        }
      } finally {
        await conflictsOut.close();
      }
    }
    const report: MergeReport = {
      rule,
      ruleDescription: RULE_DESCRIPTIONS[rule],
      inputs: [],
      rowsIn,
      rowsOut: 0,
      exactDuplicates,
      normalisedDuplicates,
      conflicts: 0,
      dropped: 0,
      conflictExamples: examples,
    };
    const dataset = await catalog.create(kept(), {
      name: options.name,
      describe: () => {
        Object.assign(report, {
          inputs: inputs.map((i) => i.lineage),
          rowsOut,
          conflicts,
          dropped,
        });
        return {
          origin: {
            kind: "merge",
            rule,
            sources: inputs.map((i) => ({
              kind:
                i.kind === "file"
                  ? ("file" as const)
                  : i.kind === "bundled"
                    ? ("bundled" as const)
                    : ("dataset" as const),
              location:
                i.kind === "dataset" && i.lineage.version ? `${i.lineage.name}@${i.lineage.version}` : i.ref,
              sha256: i.lineage.sha256,
              rows: i.lineage.rows,
              invalid: 0,
              ...(i.lineage.id ? { details: { id: i.lineage.id } } : {}),
            })),
          },
          details: { merge: report },
          privacy: combinePrivacy(inputs.map((i) => i.privacy)),
          ...(conflicts ? { attachments: { conflicts: conflictsFile } } : {}),
        };
      },
    });
    const reportKey = dataset.attachments.conflicts;
    if (reportKey) report.conflictReportKey = reportKey;
    return { dataset, report };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
