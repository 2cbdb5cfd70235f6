/**
 * Reading one very long JSONL line: 1, 8, 16 and 32 MB, fed in 64 KiB chunks as a file
 * stream gives them, through `readData` with the line limit raised to 64 MiB for the
 * measurement. Each line is a row whose text is over the 1,000,000 characters a sample may
 * hold, read with skipInvalid: the time is the split, the decode and JSON.parse of the line.
 * With BULWARK_BENCH_BEFORE=<path to another build's dist/src/data/formats.js> (e.g. main's)
 * the same lines go through that reader too, for a before/after table.
 * Run: npm run bench -- parsers
 */
import { pathToFileURL } from "node:url";
import { readData as readDataAfter } from "../src/data/formats.js";
import { markdownTable } from "./util.js";

type ReadData = typeof readDataAfter;

const MB = 1024 * 1024;
const SIZES = [1, 8, 16, 32];
const CHUNK = 64 * 1024;
const RUNS = 3;

function lineOf(mb: number): Buffer {
  const head = '{"label":0,"category":"benign","text":"';
  const tail = '"}\n';
  return Buffer.from(head + "a".repeat(mb * MB - head.length - tail.length) + tail);
}

async function* chunks(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
}

/** Median seconds to read the line (it is counted invalid: its text is too long for a sample). */
async function measure(readData: ReadData, bytes: Buffer): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let invalid = 0;
    const t = performance.now();
    for await (const _ of readData(chunks(bytes), "bench.jsonl", {
      skipInvalid: true,
      maxLineBytes: 64 * MB,
      onInvalid: () => invalid++,
    }));
    times.push((performance.now() - t) / 1000);
    if (invalid !== 1) throw new Error(`expected the one line to be read, got ${invalid}`);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

const readers: [string, ReadData][] = [];
const before = process.env.BULWARK_BENCH_BEFORE;
if (before)
  readers.push(["before", ((await import(pathToFileURL(before).href)) as { readData: ReadData }).readData]);
readers.push(["after", readDataAfter]);

const rows: (string | number)[][] = [];
for (const [name, readData] of readers) {
  let previous: number | undefined;
  for (const mb of SIZES) {
    const seconds = await measure(readData, lineOf(mb));
    rows.push([
      name,
      `${mb} MB`,
      seconds.toFixed(3),
      previous === undefined
        ? ""
        : `${(seconds / previous).toFixed(2)}x for ${mb / SIZES[SIZES.indexOf(mb) - 1]!}x`,
    ]);
    previous = seconds;
  }
}
console.log(`One JSONL line in ${CHUNK / 1024} KiB chunks, median of ${RUNS} reads:\n`);
console.log(markdownTable(["reader", "line", "seconds", "growth"], rows));
