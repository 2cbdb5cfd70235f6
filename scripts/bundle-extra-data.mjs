// Copies the extra labelled sources (the team's shared train-extra folder) into the bundled
// corpus, data/corpus/<source>.jsonl.gz, with a `group` on the rows that are versions of one
// item, so that no train/validation split can put one version on each side:
//   multijail             one harmful query in ten languages, in blocks that start with "en"
//   xsafety               attacks are row-aligned across languages: the k-th goal hijack (or
//                         prompt-leak request) of every language is one item
//   indirect_constructed  each carrier document once clean, then twice with a payload
// The other sources have no such structure the split's own near-copy grouping would miss.
// A developer tool, run once per data drop; the product reads only data/corpus.
// Usage: node scripts/bundle-extra-data.mjs [../shared/data/train-extra]
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";

const from = process.argv[2] ?? join(import.meta.dirname, "..", "..", "shared", "data", "train-extra");
const to = join(import.meta.dirname, "..", "data", "corpus");

const groupers = {
  multijail: () => {
    let item = -1;
    return (row) => {
      if (row.lang === "en" || item < 0) item++;
      return `query-${item}`;
    };
  },
  xsafety: () => {
    const seen = new Map();
    return (row) => {
      if (row.label !== 1) return undefined;
      const key = `${row.lang}:${row.category}`;
      const k = seen.get(key) ?? 0;
      seen.set(key, k + 1);
      return `${row.category}-${k}`;
    };
  },
  indirect_constructed: () => {
    let doc = -1;
    return (row) => {
      if (row.label === 0 || doc < 0) doc++;
      return `doc-${doc}`;
    };
  },
};

let total = 0;
for (const file of readdirSync(from)
  .filter((f) => f.endsWith(".jsonl"))
  .sort()) {
  const source = basename(file, ".jsonl");
  const group = groupers[source]?.();
  const lines = readFileSync(join(from, file), "utf8")
    .split("\n")
    .filter((l) => l.trim());
  const out = lines.map((line, i) => {
    const row = JSON.parse(line);
    if (row.source !== source) throw new Error(`${file}:${i + 1}: source "${row.source}" is not "${source}"`);
    const g = group?.(row);
    return JSON.stringify(g === undefined ? row : { ...row, group: g });
  });
  writeFileSync(join(to, `${source}.jsonl.gz`), gzipSync(`${out.join("\n")}\n`, { level: 9 }));
  total += out.length;
  console.log(`${source}: ${out.length} rows${group ? " (grouped)" : ""}`);
}
copyFileSync(join(from, "SOURCES.md"), join(import.meta.dirname, "..", "data", "SOURCES-extra.md"));
console.log(`${total} rows bundled; attribution in data/SOURCES-extra.md`);
