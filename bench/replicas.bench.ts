/**
 * Replica throughput: POST /v1/detect with an API key against one `bulwark serve`, then
 * against two replicas sharing one PostgreSQL and one Redis (rate limits through Redis,
 * detection events to PostgreSQL), both of the benchmark's own (test/faults/services.ts).
 * Each replica gets its own autocannon with half the connections; the figures are the
 * requests per second together, and the server CPU per request (from /proc), which is
 * what a team extrapolates per core: on this 2-core host the load generator shares the
 * cores with the replicas, so the second replica cannot double the rate here.
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { seedHome, spawnServe, type ServeProcess } from "../test/server/process.js";
import { ownPostgres, ownRedis } from "../test/faults/services.js";
import { benchModel, benchServeEnv, markdownTable, prose, processCpuSeconds } from "./util.js";

interface Result {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
  "2xx": number;
  duration: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (
  o: Record<string, unknown>,
) => Promise<Result>;
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

const artifact = readFileSync((await benchModel()).path);
const bodies = Array.from({ length: 128 }, (_, i) => JSON.stringify({ text: prose(500, i) }));
const pg = await ownPostgres();
const redis = await ownRedis();
const rows: (string | number)[][] = [];
try {
  const env = benchServeEnv("replicas", {
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    BULWARK_LOG_LEVEL: "warn",
  });
  const [key] = await seedHome(env, artifact, [{ name: "bench", role: "client" }]);
  const servers: ServeProcess[] = [await spawnServe(env), await spawnServe(env)];
  for (const n of [1, 2]) {
    const targets = servers.slice(0, n);
    const cpu0 = targets.map((s) => processCpuSeconds(s.child.pid));
    const results = await Promise.all(
      targets.map((s) =>
        autocannon({
          url: `${s.url}/v1/detect`,
          method: "POST",
          connections: Math.max(1, Math.floor(CONNECTIONS / n)),
          duration: DURATION,
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          requests: bodies.map((body) => ({ body })),
        }),
      ),
    );
    const cpu = targets.reduce((t, s, i) => t + processCpuSeconds(s.child.pid) - cpu0[i]!, 0);
    const ok = results.reduce((t, r) => t + r["2xx"], 0);
    const bad = results.reduce((t, r) => t + r.non2xx + r.errors, 0);
    rows.push([
      `${n} replica${n > 1 ? "s" : ""}`,
      Math.round(ok / DURATION),
      Math.max(...results.map((r) => r.latency.p50)),
      Math.max(...results.map((r) => r.latency.p99)),
      bad,
      ((cpu / ok) * 1e6).toFixed(0),
      Math.round(ok / cpu),
    ]);
  }
  for (const s of servers) await s.stop();
} finally {
  await pg.destroy();
  await redis.destroy();
}
console.log(
  `POST /v1/detect, 500-character texts, ${CONNECTIONS} connections for ${DURATION} s, PostgreSQL + Redis of the bench's own, ${cpus().length} cores\n`,
);
console.log(
  markdownTable(
    ["servers", "requests/s", "p50 ms", "p99 ms", "errors", "server CPU µs/request", "requests/s per core"],
    rows,
  ),
);
