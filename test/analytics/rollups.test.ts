/**
 * The hourly roll-ups: the latency bins' edges, and migration 014 rolling up the events a
 * deployment stored before it exactly as the event writer rolls up new ones (on SQLite
 * and PostgreSQL, whose SQL computes the bins itself).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  binStart,
  binUpper,
  histogramQuantile,
  latencyBin,
  shareBelow,
} from "../../src/analytics/events/latency-bins.js";
import { rollupOf } from "../../src/analytics/events/rollups.js";
import { EventRecorder, type EventInput } from "../../src/analytics/events/index.js";
import { createLogger } from "../../src/core/logger.js";
import { createRedactor } from "../../src/privacy/index.js";
import { openDatabase, runMigrations } from "../../src/db/open.js";
import { migrations } from "../../src/db/migrations/index.js";
import type { DetectionEventsTable } from "../../src/db/schema.js";
import { testDatabases } from "../db/databases.js";

describe("latency bins", () => {
  test("powers of ten open a bin; every latency lies inside its bin", () => {
    for (const ms of [0.01, 0.1, 1, 10, 100, 1000]) assert.equal(binStart(latencyBin(ms)), ms);
    for (const ms of [0.0123, 0.5, 3.3, 9.999, 10.0001, 47, 261, 999.9, 12_345])
      assert.ok(binStart(latencyBin(ms)) <= ms && ms < binUpper(latencyBin(ms)), String(ms));
    assert.equal(latencyBin(0), latencyBin(0.0001), "zero and sub-µs share the lowest bin");
    assert.equal(latencyBin(1e9), latencyBin(1e7), "beyond 1,000 s shares the highest bin");
  });

  test("quantiles answer the upper edge of the nearest rank's bin; shares are exact at 10 ms", () => {
    const values = [1, 2, 3, 9.99, 10, 11, 50, 200];
    const bins = new Map<number, number>();
    for (const v of values) bins.set(latencyBin(v), (bins.get(latencyBin(v)) ?? 0) + 1);
    assert.equal(histogramQuantile(bins, 0.5), binUpper(latencyBin(9.99)));
    assert.equal(histogramQuantile(bins, 1), binUpper(latencyBin(200)));
    assert.equal(shareBelow(bins, 10), 4 / 8);
    assert.equal(histogramQuantile(new Map(), 0.5), null);
    assert.equal(shareBelow(new Map(), 10), null);
  });
});

function event(i: number): DetectionEventsTable {
  const flagged = i % 3 === 0 ? 1 : 0;
  return {
    id: `evt_backfill_${String(i).padStart(4, "0")}`,
    at: new Date(Date.UTC(2025, 0, 1 + (i % 3), i % 24, i % 60)).toISOString(),
    actor: i % 2 ? "key_a" : "usr_b",
    subject: null,
    route: ["detect", "batch", "scan"][i % 3]!,
    request_id: `req_${i}`,
    flagged,
    score: flagged ? 0.9 : 0.1,
    category: flagged ? "jailbreak" : null,
    evidence: JSON.stringify(flagged ? ["rule:dan", ...(i % 2 ? ["payload:base64"] : [])] : []),
    model: i % 4 ? "builtin@1" : "builtin@2",
    // 0.3 ms to 3 s, and two powers of ten on bin edges.
    latency_ms: i === 7 ? 10 : i === 8 ? 100 : 0.3 * 1.37 ** (i % 30),
    text_length: 10,
    text_mode: "none",
    text: null,
    pii: "{}",
  };
}

for (const database of await testDatabases()) {
  test(`migration 014 rolls up stored events as the writer would (${database.dialect})`, async () => {
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "014"));
    const handle = await openDatabase(database.settings, { migrations: before });
    try {
      const rows = Array.from({ length: 200 }, (_, i) => event(i));
      await handle.db.insertInto("detection_events").values(rows).execute();
      await runMigrations(handle);
      const expected = rollupOf(rows);
      const key = (c: { grain: string; dimension: string; period: string; value: string; bin?: number }) =>
        [c.grain, c.dimension, c.period, c.value, c.bin ?? ""].join("|");
      const sorted = <T extends Parameters<typeof key>[0]>(cells: T[]) =>
        [...cells].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      const counts = await handle.db.selectFrom("event_rollups").selectAll().execute();
      const latency = await handle.db.selectFrom("event_latency_rollups").selectAll().execute();
      assert.deepEqual(
        sorted(counts.map((c) => ({ ...c, requests: Number(c.requests), flagged: Number(c.flagged) }))),
        sorted(expected.counts),
      );
      assert.deepEqual(
        sorted(latency.map((c) => ({ ...c, bin: Number(c.bin), n: Number(c.n) }))),
        sorted(expected.latency),
      );
      assert.ok(
        expected.counts.some((c) => c.grain === "day") && expected.latency.some((c) => c.grain === "day"),
        "days are rolled up as well as hours",
      );
    } finally {
      await handle.close();
    }
  });
}

for (const database of await testDatabases()) {
  test(`a request's events are written together, so the roll-ups count it once (${database.dialect})`, async () => {
    const handle = await database.open();
    // batchSize 2: a write takes 8 statements of 2 rows, 16 events, unless a request goes on.
    const recorder = new EventRecorder({
      db: handle,
      redactor: createRedactor({ mode: "mask" }),
      subject: (id) => `sub_${id}`,
      settings: {
        text: "none",
        maxTextChars: 100,
        batchSize: 2,
        flushMs: 10_000,
        maxQueue: 1000,
        langPerSecond: 0,
      },
      logger: createLogger({ level: "silent" }),
    });
    const at = Date.parse("2025-03-03T10:00:00Z");
    const texts = (requestId: string, n: number, flaggedAt = -1): EventInput[] =>
      Array.from({ length: n }, (_, i) => ({
        at,
        actor: "key_t",
        route: "batch",
        requestId,
        verdict: {
          flagged: i === flaggedAt,
          score: i === flaggedAt ? 0.9 : 0.1,
          category: null,
          evidence: [],
          model: { name: "m", version: "1", sha256: "0".repeat(64) },
          latencyMs: 1,
        },
        textLength: 5,
      }));
    for (const e of [...texts("req_a", 10), ...texts("req_b", 12, 11), ...texts("req_c", 5)])
      recorder.record(e);
    await recorder.close();
    const events = await handle.db.selectFrom("detection_events").select("request_id").execute();
    assert.equal(events.length, 27);
    for (const grain of ["hour", "day"]) {
      const cell = await handle.db
        .selectFrom("event_rollups")
        .select(["requests", "flagged"])
        .where("grain", "=", grain)
        .where("dimension", "=", "request")
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        { requests: Number(cell.requests), flagged: Number(cell.flagged) },
        { requests: 3, flagged: 1 },
      );
    }
  });
}
