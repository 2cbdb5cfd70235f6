/**
 * Object store throughput and memory: put and get of 1 KB, 1 MB and 100 MB objects, and
 * peak RSS during a 1 GB streamed put, on local disk and on S3 (skipped with a note when
 * no S3 server is reachable: start one with scripts/rgw/start.sh).
 * Run: npm run bench -- storage
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import { FsObjectStore } from "../src/storage/fs/store.js";
import { S3ObjectStore } from "../src/storage/s3/store.js";
import type { ObjectStore } from "../src/storage/types.js";
import { findTestS3 } from "../test/storage/s3-env.js";

const MB = 1024 * 1024;
const CASES = [
  { label: "1 KB", size: 1024, count: 300 },
  { label: "1 MB", size: MB, count: 40 },
  { label: "100 MB", size: 100 * MB, count: 3 },
];
const STREAM_BYTES = 1024 * MB;

interface Row {
  backend: string;
  label: string;
  putMBs: number;
  putOps: number;
  getMBs: number;
  getOps: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

async function drain(stream: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += (chunk as Buffer).length;
  return n;
}

async function throughput(backend: string, store: ObjectStore): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of CASES) {
    const body = randomBytes(c.size);
    const keys: string[] = [];
    let t = performance.now();
    for (let i = 0; i < c.count; i++) {
      const key = `bench/${c.label.replace(" ", "")}/${i}`;
      await store.put(key, body);
      keys.push(key);
    }
    const putSec = (performance.now() - t) / 1000;
    t = performance.now();
    for (const key of keys) {
      const n = await drain(await store.get(key));
      if (n !== c.size) throw new Error(`read ${n} bytes of ${key}, expected ${c.size}`);
    }
    const getSec = (performance.now() - t) / 1000;
    const total = (c.size * c.count) / MB;
    rows.push({
      backend,
      label: c.label,
      putMBs: total / putSec,
      putOps: c.count / putSec,
      getMBs: total / getSec,
      getOps: c.count / getSec,
    });
    await cleanup(store, keys);
  }
  return rows;
}

/** Removes every version the benchmark wrote (the benchmark buckets have no lock). */
async function cleanup(store: ObjectStore, keys: string[]): Promise<void> {
  for (const key of keys) {
    for (const v of await store.listVersions(key)) await store.delete(key, { versionId: v.versionId });
  }
}

interface MemoryRow {
  backend: string;
  seconds: number;
  mbs: number;
  before: number;
  peak: number;
}

/** A 1 GB body generated chunk by chunk, so only the store can make memory grow. */
function gigabyteStream(): Readable {
  const chunk = randomBytes(MB);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= STREAM_BYTES) return void this.push(null);
      sent += chunk.length;
      this.push(Buffer.from(chunk));
    },
  });
}

async function streamedPut(backend: string, store: ObjectStore): Promise<MemoryRow> {
  gc();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t = performance.now();
  const result = await store.put("bench/stream-1gb.bin", gigabyteStream());
  const seconds = (performance.now() - t) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (result.size !== STREAM_BYTES) throw new Error(`stored ${result.size} bytes, expected ${STREAM_BYTES}`);
  await cleanup(store, ["bench/stream-1gb.bin"]);
  return { backend, seconds, mbs: STREAM_BYTES / MB / seconds, before: before / MB, peak: peak / MB };
}

const f = (n: number, digits = 1) => n.toFixed(digits);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-"));
  const backends: Array<{ name: string; store: ObjectStore }> = [
    { name: "local disk", store: new FsObjectStore({ root: dir, bucket: "bench" }) },
  ];
  const notes: string[] = [];
  const s3 = await findTestS3();
  if (s3) {
    backends.push({
      name: `S3 (Ceph RGW ${s3.endpoint})`,
      store: new S3ObjectStore({
        bucket: `bench-${Date.now().toString(36)}`,
        endpoint: s3.endpoint,
        region: s3.region,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        forcePathStyle: true,
      }),
    });
  } else {
    notes.push("S3 skipped: no server reachable (start one with scripts/rgw/start.sh).");
  }

  const rows: Row[] = [];
  const memory: MemoryRow[] = [];
  try {
    for (const b of backends) {
      await b.store.init();
      rows.push(...(await throughput(b.name, b.store)));
      memory.push(await streamedPut(b.name, b.store));
      await b.store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`Node ${process.version}, ${new Date().toISOString()}\n`);
  console.log("| backend | object size | objects | put MB/s | put ops/s | get MB/s | get ops/s |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const count = CASES.find((c) => c.label === r.label)?.count ?? 0;
    console.log(
      `| ${r.backend} | ${r.label} | ${count} | ${f(r.putMBs)} | ${f(r.putOps)} | ${f(r.getMBs)} | ${f(r.getOps)} |`,
    );
  }
  console.log("\n| backend | 1 GB streamed put (s) | MB/s | RSS before (MB) | peak RSS (MB) | growth (MB) |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const m of memory) {
    console.log(
      `| ${m.backend} | ${f(m.seconds)} | ${f(m.mbs)} | ${f(m.before, 0)} | ${f(m.peak, 0)} | ${f(m.peak - m.before, 0)} |`,
    );
  }
  for (const n of notes) console.log(`\n${n}`);
}

await main();
