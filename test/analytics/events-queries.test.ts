/**
 * The event recorder and the event queries against real SQLite and PostgreSQL databases:
 * batches larger than a statement's parameter limit are split and all written, lists
 * filter and page, and retention and erasure delete exactly what they say.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import {
  countEvents,
  deleteEventsBefore,
  deleteEventsOfSubject,
  EventRecorder,
  eventsOfSubject,
  listEvents,
  type EventInput,
} from "../../src/analytics/events/index.js";
import { createRedactor, subjectHash } from "../../src/privacy/index.js";
import { testDatabases } from "../db/databases.js";

const KEY = Buffer.alloc(32, 7);
const subject = (id: string) => subjectHash(KEY, id);
const DAY = 86_400_000;
const T0 = Date.parse("2026-03-01T00:00:00.000Z");

function event(i: number, over: Partial<EventInput> = {}): EventInput {
  return {
    at: T0 + i * 1000,
    actor: "key_test",
    route: i % 3 === 0 ? "batch" : "detect",
    requestId: `req-${i}`,
    verdict: {
      flagged: i % 2 === 0,
      score: i % 2 === 0 ? 0.9 : 0.1,
      category: i % 2 === 0 ? "prompt_injection" : null,
      evidence: [
        { kind: "rule", id: "ignore-previous", description: "asks to ignore instructions" },
        { kind: "term", id: "ignore", description: "a word the model weighs" },
      ],
      model: { name: "builtin", version: "1.0.0", sha256: "0".repeat(64) },
      latencyMs: 0.25,
    },
    textLength: 12,
    text: `text number ${i}`,
    ...over,
  };
}

for (const database of await testDatabases()) {
  describe(`event recorder and queries on ${database.dialect}`, async () => {
    const handle = await database.open();
    const recorder = (batchSize: number) =>
      new EventRecorder({
        db: handle,
        redactor: createRedactor({ mode: "mask" }),
        subject,
        settings: {
          text: "redacted",
          maxTextChars: 4096,
          batchSize,
          flushMs: 60_000,
          maxQueue: 100_000,
          langPerSecond: 0,
        },
        logger: pino({ level: "silent" }),
      });

    test("a flush larger than a statement's parameter limit is split and written whole", async () => {
      const r = recorder(100_000);
      for (let i = 0; i < 5_000; i++) r.record(event(100_000 + i, { subject: "bulk" }));
      await r.close();
      assert.equal(await countEvents(handle.db, { subject: subject("bulk") }), 5_000);
      assert.equal(await deleteEventsOfSubject(handle.db, subject("bulk")), 5_000);
    });

    test("list filters and pages newest first; count agrees", async () => {
      const r = recorder(7);
      for (let i = 0; i < 20; i++) r.record(event(i, { subject: i < 5 ? "alice" : "bob" }));
      r.record(event(20, { text: "mail a@example.org" }));
      await r.close();

      const all = await countEvents(handle.db, {
        from: new Date(T0).toISOString(),
        to: new Date(T0 + DAY).toISOString(),
      });
      assert.equal(all, 21);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listEvents(handle.db, { limit: 6, cursor, to: new Date(T0 + DAY).toISOString() });
        seen.push(...page.events.map((e) => e.requestId));
        cursor = page.next;
      } while (cursor);
      assert.deepEqual(
        seen,
        Array.from({ length: 21 }, (_, i) => `req-${20 - i}`),
      );

      const flagged = await listEvents(handle.db, {
        flagged: true,
        route: "batch",
        to: new Date(T0 + DAY).toISOString(),
      });
      assert.deepEqual(
        flagged.events.map((e) => e.requestId),
        ["req-18", "req-12", "req-6", "req-0"],
      );
      assert.ok(flagged.events.every((e) => e.flagged && e.route === "batch" && e.score === 0.9));
      assert.deepEqual(
        flagged.events[0]!.evidence,
        ["rule:ignore-previous"],
        "ids only, never a term's word",
      );

      const mail = (await listEvents(handle.db, { limit: 1, to: new Date(T0 + DAY).toISOString() }))
        .events[0]!;
      assert.equal(mail.text, "mail [EMAIL]");
      assert.deepEqual(mail.pii, { email: 1 });
      assert.equal(mail.subject, null);

      const alice = await eventsOfSubject(handle.db, subject("alice"));
      assert.deepEqual(
        alice.map((e) => e.requestId),
        ["req-0", "req-1", "req-2", "req-3", "req-4"],
      );
      assert.equal(await countEvents(handle.db, { subject: subject("bob") }), 15);
      assert.equal(
        await countEvents(handle.db, {
          from: new Date(T0 + 10_000).toISOString(),
          to: new Date(T0 + 15_000).toISOString(),
        }),
        5,
      );

      assert.equal(await deleteEventsOfSubject(handle.db, subject("alice")), 5);
      assert.deepEqual(await eventsOfSubject(handle.db, subject("alice")), []);
      assert.equal(await deleteEventsBefore(handle.db, new Date(T0 + 12_000).toISOString()), 7);
      assert.equal(await countEvents(handle.db, { to: new Date(T0 + DAY).toISOString() }), 9);
      assert.equal(await deleteEventsBefore(handle.db, "2026-03-02"), 9);
    });

    test("a date or cursor that is not one is refused", async () => {
      await assert.rejects(deleteEventsBefore(handle.db, "yesterday"), { code: "VALIDATION_ERROR" });
      await assert.rejects(listEvents(handle.db, { cursor: "bm9wZQ" }), { code: "VALIDATION_ERROR" });
    });
  });
}
