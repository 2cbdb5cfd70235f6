/**
 * What tracing costs: `bulwark serve` in its own process under autocannon (POST /v1/detect,
 * 500-character texts, API key, events on, SQLite), with tracing off (no endpoint: the SDK
 * is not loaded), on with every request sampled, and on with 10% of the traces sampled
 * (OTEL_TRACES_SAMPLER=parentbased_traceidratio), and on with none sampled (always_off: the
 * fixed cost of context propagation and the hooks). The spans go over OTLP/HTTP protobuf to
 * a real receiver in this process, which decodes and counts them. The modes alternate for
 * BENCH_TRACING_ROUNDS rounds (default 2) so the shared host's drift hits each alike;
 * server CPU per request (from /proc) is the figure that holds still on a busy host.
 * Usage: npm run bench -- tracing   (BENCH_DURATION seconds per run, default 10)
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { startOtlpReceiver } from "../test/server/otlp-receiver.js";
import { seedHome, spawnServe } from "../test/server/process.js";
import { benchModel, benchServeEnv, markdownTable, prose, processCpuSeconds } from "./util.js";

interface Result {
  latency: { p50: number; p90: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<Result>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_TRACING_ROUNDS ?? 2);

const artifact = readFileSync((await benchModel()).path);
const bodies = Array.from({ length: 256 }, (_, i) => JSON.stringify({ text: prose(500, i) }));

type Mode = "off" | "on" | "on, 10% sampled" | "on, none sampled";

interface Run {
  mode: Mode;
  rps: number;
  cpuUs: number;
  p50: number;
  p99: number;
  spansPerRequest: number;
  failures: number;
}

async function measure(mode: Mode): Promise<Run> {
  const receiver = await startOtlpReceiver();
  const env = benchServeEnv("tracing");
  const [key] = await seedHome(env, artifact, [{ name: "bench", role: "client" }]);
  const tracing: Record<string, string> =
    mode === "off"
      ? {}
      : {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          ...(mode === "on, 10% sampled"
            ? { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" }
            : {}),
          // What tracing costs before any span is recorded: context propagation and the hooks.
          ...(mode === "on, none sampled" ? { OTEL_TRACES_SAMPLER: "always_off" } : {}),
        };
  const server = await spawnServe({ ...env, ...tracing, BULWARK_LOG_LEVEL: "info" });
  try {
    const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
    const run = (duration: number) =>
      autocannon({
        url: `${server.url}/v1/detect`,
        connections: CONNECTIONS,
        duration,
        requests: bodies.map((body) => ({ method: "POST", headers, body })),
      });
    await run(3); // warm-up
    const spansBefore = receiver.spans.length;
    const cpuBefore = processCpuSeconds(server.child.pid);
    const r = await run(DURATION);
    const cpuUs = ((processCpuSeconds(server.child.pid) - cpuBefore) * 1e6) / (r["2xx"] || 1);
    await server.stop(); // flushes what is still buffered
    const spans = receiver.spans.length - spansBefore;
    return {
      mode,
      rps: r["2xx"] / r.duration,
      cpuUs,
      p50: r.latency.p50,
      p99: r.latency.p99,
      spansPerRequest: spans / (r["2xx"] || 1),
      failures: r.errors + r.non2xx + r.timeouts,
    };
  } finally {
    await server.stop();
    await receiver.close();
  }
}

console.log(
  `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${CONNECTIONS} connections, ${DURATION} s per run\n`,
);
const modes: Mode[] = ["off", "on", "on, 10% sampled", "on, none sampled"];
const runs: Run[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const mode of modes) {
    const r = await measure(mode);
    runs.push(r);
    console.log(
      `round ${round}, tracing ${mode}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ` +
        `server CPU ${Math.round(r.cpuUs)} µs/request, ${r.spansPerRequest.toFixed(2)} spans/request, failures ${r.failures}`,
    );
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const off = runs.filter((r) => r.mode === "off");
const base = {
  rps: mean(off.map((r) => r.rps)),
  cpu: mean(off.map((r) => r.cpuUs)),
  p99: mean(off.map((r) => r.p99)),
};
const rows = modes.map((mode) => {
  const rs = runs.filter((r) => r.mode === mode);
  const rps = mean(rs.map((r) => r.rps));
  const cpu = mean(rs.map((r) => r.cpuUs));
  const p99 = mean(rs.map((r) => r.p99));
  return [
    mode,
    Math.round(rps).toLocaleString("en"),
    (rps / base.rps).toFixed(2),
    Math.round(cpu),
    (cpu / base.cpu).toFixed(2),
    mean(rs.map((r) => r.p50)).toFixed(1),
    p99.toFixed(1),
    (p99 / base.p99).toFixed(2),
    mean(rs.map((r) => r.spansPerRequest)).toFixed(2),
    rs.reduce((n, r) => n + r.failures, 0),
  ];
});
console.log(`\n### POST /v1/detect with tracing off and on (mean of ${ROUNDS} rounds; ratios against off)\n`);
console.log(
  markdownTable(
    [
      "tracing",
      "requests/s",
      "× off",
      "server CPU µs/request",
      "× off",
      "p50 ms",
      "p99 ms",
      "× off",
      "spans exported/request",
      "failures",
    ],
    rows,
  ),
);
if (runs.some((r) => r.failures > 0)) process.exitCode = 1;
