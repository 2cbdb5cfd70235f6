/**
 * What a detection event costs the server, in process, without the HTTP noise of a shared
 * host: the request path's `record()` (a push), and a flush's main-thread time per event
 * (redaction, row building and the INSERT), on SQLite and PostgreSQL (when reachable), for
 * each text mode, over the HTTP benchmark's 500-character texts (one in ten with an e-mail
 * address). Each case writes 20,000 events through a real EventRecorder into a migrated
 * database; time is process CPU (user + system), so waiting on PostgreSQL's socket is not
 * counted as cost to the request thread. Each case runs with language identification off
 * and on (uncapped: every event's language identified, the worst case of the flush).
 * Run: npm run bench -- events
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { EventRecorder, type EventInput, type EventTextMode } from "../src/analytics/events/index.js";
import { createLogger } from "../src/core/logger.js";
import { openDatabase, type DatabaseHandle } from "../src/db/open.js";
import { createRedactor, subjectHash } from "../src/privacy/index.js";
import { markdownTable, prose } from "./util.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const PG_ADMIN = process.env.BULWARK_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const key = randomBytes(32);
const redactor = createRedactor({ mode: "mask" });
const texts = Array.from({ length: 256 }, (_, i) =>
  i % 10 === 0 ? `${prose(470, i)} mail me at jane.doe${i}@example.com` : prose(500, i),
);
const verdict = {
  flagged: false,
  score: 0.0123,
  category: null,
  evidence: [],
  model: { name: "builtin", version: "1.0.0", sha256: "0".repeat(64) },
  latencyMs: 0.2,
};

function events(n: number): EventInput[] {
  return Array.from({ length: n }, (_, i) => ({
    actor: "key_bench",
    ...(i % 4 === 0 ? { subject: `customer-${i % 97}` } : {}),
    route: "detect" as const,
    requestId: randomBytes(16).toString("hex"),
    verdict,
    textLength: 500,
    text: texts[i % texts.length]!,
  }));
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function measure(
  db: DatabaseHandle,
  text: EventTextMode,
  langPerSecond: number,
): Promise<{ record: number; flush: number }> {
  const recorder = new EventRecorder({
    db,
    redactor,
    subject: (id) => subjectHash(key, id),
    settings: { text, maxTextChars: 4096, batchSize: 500, flushMs: 250, maxQueue: 1_000_000, langPerSecond },
    logger: createLogger({ level: "silent" }),
  });
  const batch = events(EVENTS);
  const t0 = performance.now();
  for (const e of batch) recorder.record(e);
  const record = ((performance.now() - t0) * 1000) / EVENTS;
  const c0 = cpuMs();
  await recorder.close();
  const flush = ((cpuMs() - c0) * 1000) / EVENTS;
  return { record, flush };
}

async function pgDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const name = `bw_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
    await admin.query(`create database ${name}`);
  } catch {
    return undefined;
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const rows: (string | number)[][] = [];
const modes: EventTextMode[] = ["none", "redacted", "full"];
/** Language identification off, and on without a cap. */
const LANG = [
  { label: "off", perSecond: 0 },
  { label: "on", perSecond: 1e9 },
];
for (const mode of modes) {
  for (const lang of LANG) {
    const db = await openDatabase({
      url: undefined,
      sqlitePath: join(mkdtempSync(join(tmpdir(), "bulwark-bench-events-")), "b.db"),
    });
    await measure(db, mode, lang.perSecond); // warm-up: JIT, SQLite's page cache, the language model
    const r = await measure(db, mode, lang.perSecond);
    rows.push(["SQLite", mode, lang.label, r.record.toFixed(2), r.flush.toFixed(1)]);
    await db.close();
  }
}
const pgDb = await pgDatabase();
if (pgDb) {
  try {
    for (const mode of modes) {
      for (const lang of LANG) {
        const db = await openDatabase({ url: pgDb.url, sqlitePath: "" });
        await measure(db, mode, lang.perSecond);
        const r = await measure(db, mode, lang.perSecond);
        rows.push(["PostgreSQL", mode, lang.label, r.record.toFixed(2), r.flush.toFixed(1)]);
        await db.close();
      }
    }
  } finally {
    await pgDb.drop();
  }
} else console.log(`(PostgreSQL not reachable at ${PG_ADMIN}: its rows are skipped)`);

console.log(
  `### One detection event's cost (${EVENTS.toLocaleString("en")} events of 500 characters per case, mask redaction)\n`,
);
console.log(
  markdownTable(
    ["database", "text kept", "language", "record() µs (request path)", "flush CPU µs per event"],
    rows,
  ),
);
