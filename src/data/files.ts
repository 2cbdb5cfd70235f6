/** Data files given directly or found in folders, and all their samples loaded at once. */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "../core/errors.js";
import { readDataFile } from "./formats.js";
import type { ReadOptions } from "./problems.js";
import type { Sample } from "./sample.js";

/** Files given directly or found (recursively) in the given folders (`pattern` picks the files). */
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

/** Every sample of the files (JSONL or envelope, gzip or not), in order. */
export async function loadSamples(files: string[], options: ReadOptions = {}): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const f of files) for await (const s of readDataFile(f, options)) out.push(s);
  return out;
}
