/**
 * Datasets and the registry at scale, on the embedded defaults (local-disk store, SQLite):
 *   1. import of a 1,000,000-row JSONL file into the dataset catalogue (rows/s, MB/s);
 *   2. merge of that dataset with a 250,000-row one that overlaps it (exact and
 *      normalised duplicates, label conflicts) (rows/s);
 *   3. a recorded training run on the 1,000,000 rows (one epoch; the trainer streams
 *      datasets larger than 64 MB), registered in the model registry.
 * Each phase runs in its own process so its peak RSS is its own.
 * The rows are the bundled corpus repeated with variations, generated once under
 * dist/bench-work/registry/. Run: npm run bench -- registry
 * (BULWARK_BENCH_ROWS=200000 for a quicker look.)
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadBundledCorpus } from "../src/data/corpus.js";
import { DatasetCatalog } from "../src/data/datasets.js";
import { importData } from "../src/data/import/index.js";
import { resolveInputs } from "../src/data/inputs.js";
import { mergeDatasets } from "../src/data/merge.js";
import type { Sample } from "../src/data/sample.js";
import { openDatabase } from "../src/db/open.js";
import { loadRulesFile } from "../src/detect/rules.js";
import { ModelRegistry } from "../src/registry/registry.js";
import { FsObjectStore } from "../src/storage/fs/store.js";
import { RunStore } from "../src/train/runs.js";
import { trainRun } from "../src/learn/training-run.js";
import { BENCH_DIR, markdownTable } from "./util.js";

const ROWS = Number(process.env.BULWARK_BENCH_ROWS ?? 1_000_000);
const EXTRA = Math.round(ROWS / 4);
const WORK = join(BENCH_DIR, "registry");
const BIG = join(WORK, `rows-${ROWS}.jsonl`);
const OVERLAP = join(WORK, `overlap-${EXTRA}.jsonl`);
const SELF = fileURLToPath(import.meta.url);

const PREFIXES = ["", "Note: ", "Quick question. ", "FYI ", "Re: ", "Fwd: ", "[ticket] ", "Hi! "];

/** Row i of the big file: corpus row i mod n, varied by its repetition so texts stay distinct. */
function bigRow(corpus: Sample[], i: number): Sample {
  const base = corpus[i % corpus.length]!;
  const rep = Math.floor(i / corpus.length);
  const text = rep === 0 ? base.text : `${PREFIXES[rep % PREFIXES.length]}${base.text} (#${rep})`;
  return { ...base, text, source: `${base.source}-${rep % 5}` };
}

async function writeRows(path: string, count: number, row: (i: number) => Sample): Promise<void> {
  if (existsSync(path)) return;
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  for (let i = 0; i < count; i++) {
    if (!out.write(`${JSON.stringify(row(i))}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
  const { renameSync } = await import("node:fs");
  renameSync(tmp, path);
}

async function generate(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const corpus = await loadBundledCorpus();
  await writeRows(BIG, ROWS, (i) => bigRow(corpus, i));
  // A quarter the size: half exact copies of big rows, a quarter the same texts shouted
  // with extra spaces (normalised duplicates), a quarter new; 1 in 50 copies flips its label.
  await writeRows(OVERLAP, EXTRA, (i) => {
    const src = bigRow(corpus, (i * 7919) % ROWS);
    const kind = i % 4;
    let s: Sample =
      kind <= 1
        ? src
        : kind === 2
          ? { ...src, text: `  ${src.text.toUpperCase().replace(/ /g, "  ")}` }
          : { ...src, text: `${src.text} [extra ${i}]` };
    if (kind !== 3 && i % 50 === 0) {
      const label = s.label === 1 ? 0 : 1;
      s = { ...s, label, category: label === 1 ? "prompt_injection" : "benign" };
    }
    return { ...s, source: "overlap" };
  });
}

interface PhaseResult {
  phase: string;
  seconds: number;
  rows: number;
  extra: Record<string, string | number>;
  peakRssMb: number;
}

async function context() {
  const db = await openDatabase({ url: undefined, sqlitePath: join(WORK, "state", "bulwark.db") });
  const store = new FsObjectStore({
    root: join(WORK, "state", "objects"),
    bucket: "bulwark",
    publicUrl: "http://127.0.0.1:1",
  });
  return {
    db,
    store,
    catalog: new DatasetCatalog(db, store, { actor: "bench" }),
    registry: new ModelRegistry(db, store, { actor: "bench" }),
    runs: new RunStore(db, { actor: "bench" }),
  };
}

async function phase(name: string): Promise<PhaseResult> {
  const ctx = await context();
  const t0 = performance.now();
  let result: Omit<PhaseResult, "seconds" | "peakRssMb" | "phase">;
  if (name === "import") {
    const big = await importData(ctx.catalog, [BIG], { name: "big" });
    const overlap = await importData(ctx.catalog, [OVERLAP], { name: "overlap" });
    const seconds = (performance.now() - t0) / 1000;
    const bytes = statSync(BIG).size + statSync(OVERLAP).size;
    result = {
      rows: big.dataset.rows + overlap.dataset.rows,
      extra: { "MB/s": (bytes / 1e6 / seconds).toFixed(1), "input MB": (bytes / 1e6).toFixed(0) },
    };
  } else if (name === "merge") {
    const inputs = await resolveInputs(ctx.catalog, ["big", "overlap"]);
    const { report } = await mergeDatasets(ctx.catalog, inputs, { name: "merged", rule: "majority" });
    result = {
      rows: report.rowsIn,
      extra: {
        "rows out": report.rowsOut,
        "exact dups": report.exactDuplicates,
        "normalised dups": report.normalisedDuplicates,
        conflicts: report.conflicts,
      },
    };
  } else {
    const r = await trainRun(ctx, {
      data: ["big"],
      name: "bench",
      rules: loadRulesFile(),
      params: { epochs: 1 },
    });
    result = {
      rows: r.result.rows.total,
      extra: {
        "ROC-AUC": (r.result.report.overall.rocAuc ?? 0).toFixed(4),
        "validation rows": r.result.rows.validation,
        model: r.version.ref,
        "artifact MB": (r.version.size / 1e6).toFixed(1),
      },
    };
  }
  const seconds = (performance.now() - t0) / 1000;
  await ctx.db.close();
  return { phase: name, seconds, ...result, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

async function main(): Promise<void> {
  const only = process.argv[2];
  if (only) {
    process.stdout.write(`${JSON.stringify(await phase(only))}\n`);
    return;
  }
  const t = performance.now();
  await generate();
  console.log(
    `data: ${ROWS} + ${EXTRA} rows under ${WORK} (${((performance.now() - t) / 1000).toFixed(0)} s to generate or find)`,
  );
  rmSync(join(WORK, "state"), { recursive: true, force: true });
  const results: PhaseResult[] = [];
  for (const name of ["import", "merge", "train"]) {
    const r = spawnSync(process.execPath, [SELF, name], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (r.status !== 0) throw new Error(`phase ${name} failed (exit ${r.status})`);
    const res = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as PhaseResult;
    results.push(res);
    console.log(`${name}: ${res.rows} rows in ${res.seconds.toFixed(1)} s`);
  }
  // The generated inputs stay for the next run; the catalogue and store copies (GBs) go.
  rmSync(join(WORK, "state"), { recursive: true, force: true });
  console.log("");
  console.log(
    markdownTable(
      ["phase", "rows", "seconds", "rows/s", "peak RSS (MB)", "details"],
      results.map((r) => [
        r.phase,
        r.rows.toLocaleString("en-US"),
        r.seconds.toFixed(1),
        Math.round(r.rows / r.seconds).toLocaleString("en-US"),
        r.peakRssMb.toFixed(0),
        Object.entries(r.extra)
          .map(([k, v]) => `${k} ${v}`)
          .join(", "),
      ]),
    ),
  );
}

await main();
