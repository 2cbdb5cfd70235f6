/**
 * What two security checks cost per request (security review, items 2 and 4):
 *   1. the duplicate-key scan after fastify's JSON parser (secure-json-parse), on
 *      /v1/detect bodies of 500 and 10,000 characters and a batch of 32 texts;
 *   2. the user-row read every token request now makes (one primary-key lookup) on
 *      SQLite and, when reachable, PostgreSQL, instead of a 5 s in-process cache.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { firstDuplicateKey } from "../src/core/duplicate-keys.js";
import { openDatabase, type DatabaseSettings } from "../src/db/open.js";
import { UserStore } from "../src/server/auth/users.js";
import { markdownTable, prose } from "./util.js";

const parse = Fastify().getDefaultJsonParser("error", "error");
const parseSync = (body: string): unknown => {
  let out: unknown;
  parse({} as never, body, (err: Error | null, value?: unknown) => {
    if (err) throw err;
    out = value;
  });
  return out;
};

function nsPerOp(fn: () => void, minMs = 1_000): number {
  for (let i = 0; i < 2_000; i++) fn(); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs * 1e6) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  return elapsed / n;
}

const bodies: [string, string][] = [
  ["detect, 500 chars", JSON.stringify({ text: prose(500, 1) })],
  ["detect, 10,000 chars", JSON.stringify({ text: prose(10_000, 2), threshold: 0.7, evidence: true })],
  ["batch of 32 x 500 chars", JSON.stringify({ texts: Array.from({ length: 32 }, (_, i) => prose(500, i)) })],
];
const parserRows = bodies.map(([label, body]) => {
  const plain = nsPerOp(() => parseSync(body));
  const checked = nsPerOp(() => {
    parseSync(body);
    if (firstDuplicateKey(body) !== undefined) throw new Error("duplicate");
  });
  return [
    label,
    body.length,
    (plain / 1000).toFixed(2),
    (checked / 1000).toFixed(2),
    ((checked - plain) / 1000).toFixed(2),
    `${(((checked - plain) / plain) * 100).toFixed(1)}%`,
  ];
});
console.log("JSON body parsing, µs per body (secure-json-parse, then the duplicate-key scan):\n");
console.log(
  markdownTable(["body", "bytes", "parse (µs)", "parse + scan (µs)", "scan (µs)", "overhead"], parserRows),
);

async function lookups(label: string, settings: DatabaseSettings): Promise<(string | number)[]> {
  const db = await openDatabase(settings);
  try {
    const users = new UserStore(db.db);
    const user = await users.create({
      username: `bench-${Date.now()}`,
      password: "a long bench password",
      role: "client",
      createdBy: "bench",
    });
    for (let i = 0; i < 500; i++) await users.byId(user.id);
    const n = 5_000;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      await users.byId(user.id);
      times.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / n;
    return [
      label,
      n,
      mean.toFixed(1),
      times[Math.floor(n * 0.5)]!.toFixed(1),
      times[Math.floor(n * 0.99)]!.toFixed(1),
    ];
  } finally {
    await db.close();
  }
}

const lookupRows = [
  await lookups("SQLite (file)", {
    url: undefined,
    sqlitePath: join(mkdtempSync(join(tmpdir(), "bw-bench-auth-")), "b.db"),
  }),
];
const pgUrl = process.env.BENCH_PG_URL;
if (pgUrl) lookupRows.push(await lookups("PostgreSQL (loopback)", { url: pgUrl, sqlitePath: "" }));
console.log("\nThe user-row read of each token request, µs:\n");
console.log(markdownTable(["database", "lookups", "mean (µs)", "p50 (µs)", "p99 (µs)"], lookupRows));
