/**
 * Detection speed: in-process latency percentiles for a 500-character text, growth with
 * length from 100 characters to 1 MB, and `bulwark scan` throughput on one core, on ordinary
 * prose and on attacks from the bundled corpus.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BuiltinDetector } from "../src/detect/builtin.js";
import { PACKAGE_ROOT } from "../src/core/paths.js";
import { loadBundledCorpus } from "../src/data/corpus.js";
import { BENCH_DIR, benchModel, markdownTable, percentile, prose } from "./util.js";

const { model, path: modelPath, trainMs } = await benchModel();
if (trainMs !== undefined)
  console.log(`(trained the model on the bundled corpus in ${(trainMs / 1000).toFixed(1)} s)\n`);
const detector = new BuiltinDetector(model);

// 1. Latency for 500-character texts (distinct texts, evidence off and on).
const texts = Array.from({ length: 2000 }, (_, i) => prose(500, i));
for (let i = 0; i < 20000; i++) detector.detect(texts[i % texts.length]!, { evidence: false });
const rows: (string | number)[][] = [];
for (const evidence of [false, true]) {
  const samples: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const t = texts[i % texts.length]!;
    const s = performance.now();
    detector.detect(t, { evidence });
    samples.push(performance.now() - s);
  }
  samples.sort((a, b) => a - b);
  rows.push([
    evidence ? "500 chars, with evidence" : "500 chars, no evidence",
    (percentile(samples, 0.5) * 1000).toFixed(1),
    (percentile(samples, 0.99) * 1000).toFixed(1),
    (percentile(samples, 0.999) * 1000).toFixed(1),
  ]);
}
console.log("### In-process latency (100,000 calls, microseconds)\n");
console.log(markdownTable(["text", "p50 µs", "p99 µs", "p99.9 µs"], rows));

// 2. Growth with length: time per character should stay flat.
console.log("\n### Growth with length\n");
const lengthRows: (string | number)[][] = [];
let perCharAt1k = 0;
for (const length of [100, 1_000, 10_000, 100_000, 1_000_000]) {
  const text = prose(length, 3);
  const reps = Math.max(3, Math.round(2_000_000 / length));
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    detector.detect(text, { evidence: false });
    samples.push(performance.now() - s);
  }
  samples.sort((a, b) => a - b);
  const median = percentile(samples, 0.5);
  const perChar = (median * 1e6) / length; // ns per char
  if (length === 1_000) perCharAt1k = perChar;
  lengthRows.push([
    length.toLocaleString("en"),
    median < 1 ? `${(median * 1000).toFixed(1)} µs` : `${median.toFixed(2)} ms`,
    perChar.toFixed(1),
    length >= 1_000 ? (perChar / perCharAt1k).toFixed(2) : "-",
  ]);
}
console.log(markdownTable(["characters", "median time", "ns per char", "ratio to 1,000 chars"], lengthRows));

// 3. `bulwark scan` on one core: 200,000 lines of 500 characters, ordinary prose and then
// attacks (flagged texts take more work: the category, decoded payloads), side by side.
const attacks = (await loadBundledCorpus())
  .filter((s) => s.label === 1)
  .map((s) => {
    // Cut or padded (by repeating the attack) to 500 characters, like the prose.
    let text = s.text;
    while (text.length < 500) text += ` ${s.text}`;
    return text.slice(0, 500);
  });
const cli = join(PACKAGE_ROOT, "dist", "src", "cli", "main.js");
const pin = spawnSync("taskset", ["-c", "0", "true"]).status === 0;
const lines = 200_000;

interface ScanRow {
  name: string;
  flagged: number;
  seconds: number;
  loop: number;
  whole: number;
}

function scanOnce(name: string, pool: readonly string[]): ScanRow {
  const input = join(BENCH_DIR, "scan-input.jsonl");
  const output = join(BENCH_DIR, "scan-output.jsonl");
  writeFileSync(
    input,
    Array.from({ length: lines }, (_, i) => JSON.stringify({ id: i, text: pool[i % pool.length] })).join(
      "\n",
    ) + "\n",
  );
  const args = [
    "scan",
    "--input",
    input,
    "--output",
    output,
    "--model",
    modelPath,
    "--json",
    "--no-progress",
  ];
  const started = performance.now();
  const r = pin
    ? spawnSync("taskset", ["-c", "0", process.execPath, cli, ...args], { encoding: "utf8" })
    : spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
  const wall = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`scan failed: ${r.stderr}`);
  const summary = JSON.parse(r.stdout) as {
    scanned: number;
    flagged: number;
    seconds: number;
    textsPerSecond: number;
  };
  return {
    name,
    flagged: summary.flagged / summary.scanned,
    seconds: summary.seconds,
    loop: summary.textsPerSecond,
    whole: lines / wall,
  };
}

const scans = [
  scanOnce(`office prose (${texts.length} distinct texts)`, texts),
  scanOnce(`attacks of data/corpus (${attacks.length.toLocaleString("en")} distinct texts)`, attacks),
];
console.log(`\n### \`bulwark scan\` throughput${pin ? " (pinned to one core with taskset)" : ""}\n`);
console.log(
  markdownTable(
    [
      "input (200,000 lines of 500 characters)",
      "flagged",
      "scan time",
      "texts/s (scan loop)",
      "texts/s (whole process, incl. start-up)",
    ],
    scans.map((x) => [
      x.name,
      `${(x.flagged * 100).toFixed(1)}%`,
      `${x.seconds.toFixed(2)} s`,
      Math.round(x.loop).toLocaleString("en"),
      Math.round(x.whole).toLocaleString("en"),
    ]),
  ),
);
console.log(
  `\nAn attack costs ${(scans[0]!.loop / scans[1]!.loop).toFixed(2)} times a prose text in the scan loop.`,
);

// Where an attack's extra cost goes, in process: scoring alone (windows, rules, decoded
// payloads) against the whole verdict, which for a flagged text also works out its category.
const meanMicros = (pool: readonly string[], fn: (t: string) => unknown): number => {
  for (let i = 0; i < 20_000; i++) fn(pool[i % pool.length]!);
  const n = 100_000;
  const s = performance.now();
  for (let i = 0; i < n; i++) fn(pool[i % pool.length]!);
  return ((performance.now() - s) * 1000) / n;
};
const flaggedAttacks = attacks.filter((t) => detector.detect(t, { evidence: false }).flagged);
const passedAttacks = attacks.filter((t) => !detector.detect(t, { evidence: false }).flagged);
console.log("\n### Where the time goes (in process, mean µs per 500-character text)\n");
console.log(
  markdownTable(
    ["texts", "score only", "verdict (detect, no evidence)"],
    (
      [
        ["office prose", texts],
        [`attacks flagged (${flaggedAttacks.length.toLocaleString("en")})`, flaggedAttacks],
        [`attacks not flagged (${passedAttacks.length.toLocaleString("en")})`, passedAttacks],
      ] as const
    ).map(([name, pool]) => [
      name,
      meanMicros(pool, (t) => detector.score(t)).toFixed(1),
      meanMicros(pool, (t) => detector.detect(t, { evidence: false })).toFixed(1),
    ]),
  ),
);
