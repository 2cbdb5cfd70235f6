/**
 * Detection exhaustion: does a client sending megabyte batches of triple-nested base64
 * hold up everybody else? A real `bulwark serve` process, probed open-loop (a request every
 * 10 ms whatever the answers, so a stall counts for every request it delays, which a
 * closed-loop load generator would hide) with GET /health and POST /v1/detect of
 * 500-character texts: first on an idle server, then while two loops keep sending batches
 * of 7 such 1 MB texts. Target: p99 under 50 ms for both under the heavy load. Runs this
 * build with its detection workers, this build without them (BULWARK_DETECT_WORKERS=0)
 * and, when BENCH_BASELINE_CLI names another build's dist/src/cli/main.js (the code
 * before the fix, say), that build.
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { seedHome, spawnServe } from "../test/server/process.js";
import { benchModel, benchServeEnv, markdownTable, percentile, prose } from "./util.js";

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const INTERVAL_MS = 10;
const HEAVY_LOOPS = 2;

interface Probe {
  p50: number;
  p99: number;
  max: number;
  answered: number;
  errors: number;
}

/** Sends `request` every INTERVAL_MS for `seconds`, each on its own schedule, and times each. */
async function probe(seconds: number, request: () => Promise<Response>): Promise<Probe> {
  const times: number[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    pending.push(
      request()
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status === 200) times.push(performance.now() - t);
          else errors++;
        })
        .catch(() => void errors++),
    );
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }
  await Promise.all(pending);
  times.sort((a, b) => a - b);
  const ms = (x: number) => Math.round(x * 10) / 10;
  return {
    p50: ms(percentile(times, 0.5)),
    p99: ms(percentile(times, 0.99)),
    max: ms(times.at(-1) ?? 0),
    answered: times.length,
    errors,
  };
}

const artifact = readFileSync((await benchModel()).path);
const b64 = (s: string) => Buffer.from(s).toString("base64");
const unit = `${b64(b64(b64("hello there, how are you today")))} `;
const flood = unit.repeat(Math.ceil(1_000_000 / unit.length)).slice(0, 1_000_000);
// Encoded once: the benchmark's own process should not spend its time re-encoding 7 MB
// bodies, which would delay the probes it times.
const heavyBody = Buffer.from(JSON.stringify({ texts: Array(7).fill(flood) }));
const smallBodies = Array.from({ length: 64 }, (_, i) => JSON.stringify({ text: prose(500, i) }));

type Row = (string | number)[];

async function measure(label: string, env: Record<string, string>, cli?: string): Promise<Row[]> {
  const full = benchServeEnv("exhaustion", { BULWARK_LOG_LEVEL: "warn", ...env });
  const home = full.BULWARK_HOME!;
  const [key] = await seedHome(full, artifact, [{ name: "bench", role: "client" }]);
  const server = await spawnServe(full, { logFile: join(home, "server.log"), ...(cli ? { cli } : {}) });
  const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
  let n = 0;
  const health = (seconds: number) => probe(seconds, () => fetch(`${server.url}/health`));
  const detect = (seconds: number) =>
    probe(seconds, () =>
      fetch(`${server.url}/v1/detect`, {
        method: "POST",
        headers,
        body: smallBodies[n++ % smallBodies.length],
      }),
    );
  const rows: Row[] = [];
  const row = (what: string, load: string, r: Probe, heavy?: string) => {
    const line = [label, what, load, r.p50, r.p99, r.max, r.answered, r.errors, heavy ?? ""];
    console.log(line.join(" | "));
    rows.push(line);
  };
  try {
    await detect(2); // warm-up
    row("/health", "idle", await health(DURATION));
    row("/v1/detect 500 chars", "idle", await detect(DURATION));

    let stop = false;
    const heavy = { ok: 0, busy: 0, other: 0, ms: [] as number[] };
    const loop = async () => {
      while (!stop) {
        const started = performance.now();
        const res = await fetch(`${server.url}/v1/detect/batch`, {
          method: "POST",
          headers,
          body: heavyBody,
        });
        await res.arrayBuffer();
        if (res.status === 200) {
          heavy.ok++;
          heavy.ms.push(performance.now() - started);
        } else if (res.status === 503) {
          heavy.busy++;
          // As a well-behaved client would: wait what Retry-After says.
          await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("retry-after") ?? 1)));
        } else heavy.other++;
      }
    };
    const loops = Array.from({ length: HEAVY_LOOPS }, loop);
    await new Promise((r) => setTimeout(r, 1000));
    const h = await health(DURATION);
    const d = await detect(DURATION);
    stop = true;
    await Promise.all(loops);
    const mean = heavy.ms.length ? Math.round(heavy.ms.reduce((a, b) => a + b, 0) / heavy.ms.length) : "-";
    const summary = `${heavy.ok} answered (mean ${mean} ms), ${heavy.busy} x 503, ${heavy.other} other`;
    row("/health", "heavy batches", h, summary);
    row("/v1/detect 500 chars", "heavy batches", d, summary);
  } finally {
    await server.stop();
  }
  return rows;
}

console.log(
  `${cpus().length} cores, a probe every ${INTERVAL_MS} ms, ${DURATION} s per run, ${HEAVY_LOOPS} loops of 7 x 1 MB nested-base64 batches\n`,
);
const rows: Row[] = [];
const baseline = process.env.BENCH_BASELINE_CLI;
if (baseline) rows.push(...(await measure("baseline", {}, baseline)));
rows.push(...(await measure("no workers", { BULWARK_DETECT_WORKERS: "0" })));
rows.push(...(await measure("workers", {})));
console.log("\n### /health and a 500-character detect, idle and under megabyte batches\n");
console.log(
  markdownTable(
    ["build", "request", "load", "p50 ms", "p99 ms", "max ms", "answered", "errors", "heavy batches"],
    rows,
  ),
);
const underLoad = rows.filter((r) => r[0] === "workers" && r[2] === "heavy batches");
if (underLoad.some((r) => Number(r[4]) >= 50)) {
  console.log("FAIL: p99 under heavy batches is 50 ms or more");
  process.exitCode = 1;
}
