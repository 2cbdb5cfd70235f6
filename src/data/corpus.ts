/**
 * The training corpus bundled with Bulwark (data/corpus, gzip JSONL, attribution and
 * licences in data/SOURCES.md). The product reads only its own copy.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { BUNDLED_CORPUS_DIR } from "../core/paths.js";
import { loadSamples } from "./files.js";
import type { Sample } from "./sample.js";

export function bundledCorpusFiles(): string[] {
  return readdirSync(BUNDLED_CORPUS_DIR)
    .filter((f) => f.endsWith(".jsonl.gz"))
    .sort()
    .map((f) => join(BUNDLED_CORPUS_DIR, f));
}

export function loadBundledCorpus(): Promise<Sample[]> {
  return loadSamples(bundledCorpusFiles());
}
