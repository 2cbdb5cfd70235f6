/** Labelled samples from JSONL files, validated row by row with file and line in every error. */
import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { ValidationError } from "../core/errors.js";
import { readJsonlFile } from "./jsonl.js";
import { checkSample, type Sample } from "./sample.js";

export interface ReadOptions {
  /** Count and skip invalid rows instead of stopping at the first. */
  skipInvalid?: boolean;
  onInvalid?: (problem: InvalidRow) => void;
}

export interface InvalidRow {
  file: string;
  /** 1-based line where the row starts; 0 when the problem is not on one line (an envelope's header). */
  line: number;
  /** For a sample inside a JSON envelope: its index in `samples`. */
  index?: number;
  field: string;
  message: string;
}

export function formatInvalid(p: InvalidRow): string {
  const where =
    p.index !== undefined ? `${p.file}: samples[${p.index}]` : p.line > 0 ? `${p.file}:${p.line}` : p.file;
  return `${where}: ${p.field === "(row)" ? "" : `field "${p.field}": `}${p.message}`;
}

export async function* readSamples(file: string, options: ReadOptions = {}): AsyncGenerator<Sample> {
  const defaultSource = basename(file).replace(/\.jsonl(\.gz)?$|\.gz$/, "");
  for await (const { line, raw } of readJsonlFile(file)) {
    let parsed: unknown;
    let problem: InvalidRow | undefined;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      problem = { file, line, field: "(row)", message: `not valid JSON: ${(err as Error).message}` };
    }
    if (!problem) {
      const checked = checkSample(parsed, { source: defaultSource });
      if (checked.sample) {
        yield checked.sample;
        continue;
      }
      const first = checked.problems[0]!;
      problem = { file, line, field: first.field, message: first.message };
    }
    options.onInvalid?.(problem);
    if (!options.skipInvalid) throw new ValidationError(formatInvalid(problem), { ...problem });
  }
}

/** JSONL files given directly or found (recursively) in the given folders (`pattern` picks the files). */
export function expandInputs(
  inputs: string[],
  pattern = /\.jsonl(\.gz)?$/,
  what = ".jsonl or .jsonl.gz files",
): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch {
      throw new ValidationError(`${input}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const found = walk(input).filter((f) => pattern.test(f));
      if (found.length === 0) throw new ValidationError(`${input}: folder holds no ${what}`);
      out.push(...found);
    } else out.push(input);
  }
  return out;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

export async function loadSamples(files: string[], options: ReadOptions = {}): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const f of files) for await (const s of readSamples(f, options)) out.push(s);
  return out;
}
