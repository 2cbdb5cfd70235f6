/**
 * Retention over real databases (SQLite, PostgreSQL) and real stores (a local bucket, an
 * Object-Lock bucket on the S3 server): exactly what is past its limit goes, rows and
 * object versions alike, what is recent stays, a version under legal hold is kept and
 * counted as protected, a dry run deletes nothing, and the run's audit entry holds counts
 * only, with the chain still whole.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { HashChainAuditLog } from "../../src/audit/chain.js";
import { runRetention } from "../../src/retention/retention.js";
import type { RetentionLimits } from "../../src/retention/types.js";
import { testDatabases } from "../db/databases.js";
import { clearTables, insertEvent, insertFeedback, insertShadow, testStores } from "./helpers.js";

const DAY = 86_400_000;
const LIMITS: RetentionLimits = { events: 90, feedback: 365, redteam: 1, datasets: 0, logs: 1 };

const databases = await testDatabases();
const stores = await testStores();

for (const database of databases) {
  for (const storeKind of stores) {
    describe(`retention on ${database.dialect} with the ${storeKind.kind} store`, () => {
      test("deletes exactly what expired, keeps locked versions and counts them, audits counts only", async () => {
        const db = await database.open();
        const store = await storeKind.open();
        const audit = new HashChainAuditLog(db);
        const deps = { db, store, audit };
        await clearTables(db);

        // Objects before the mark are "old" once the run's clock is a day past it.
        const old = await store.put("red-team-data/red_team_data_old.jsonl", '{"case":1}\n');
        const held = await store.put("red-team-data/reports/held.json", "{}");
        await store.putLegalHold("red-team-data/reports/held.json", true, { versionId: held.versionId });
        const oldLog = await store.put("logs/2024/app.log", "a line\n");
        await sleep(1_100); // S3 lists times to the second
        const mark = new Date();
        await sleep(1_100);
        const recent = await store.put("red-team-data/red_team_data_new.jsonl", '{"case":2}\n');
        const now = new Date(mark.getTime() + DAY);

        const oldEvents = [
          await insertEvent(db, { at: new Date(now.getTime() - 100 * DAY), subject: null }),
          await insertEvent(db, { at: new Date(now.getTime() - 91 * DAY), subject: "sub_x" }),
        ];
        const keptEvent = await insertEvent(db, { at: new Date(now.getTime() - 89 * DAY), subject: null });
        // Shadow model comparisons expire with the events' limit.
        await insertShadow(db, { at: new Date(now.getTime() - 91 * DAY), subject: "sub_x" });
        const keptShadow = await insertShadow(db, { at: new Date(now.getTime() - 89 * DAY), subject: null });
        await insertFeedback(db, { createdAt: new Date(now.getTime() - 400 * DAY), subject: null });
        const keptReport = await insertFeedback(db, {
          createdAt: new Date(now.getTime() - 10 * DAY),
          subject: null,
        });

        const dry = await runRetention(deps, LIMITS, { dryRun: true, now, actor: "test:ops" });
        assert.equal(dry.kinds.events.deleted, 2);
        assert.equal(dry.shadow.deleted, 1);
        assert.equal(dry.kinds.feedback.deleted, 1);
        assert.equal(dry.kinds.redteam.deleted, 1);
        assert.equal(dry.kinds.redteam.protected, 1);
        assert.equal(dry.kinds.logs.deleted, 1);
        assert.equal(dry.kinds.datasets.cutoff, null, "0 days: kept until erased");
        assert.equal(
          (await db.db.selectFrom("detection_events").select("id").execute()).length,
          3,
          "a dry run deletes nothing",
        );
        assert.equal(await store.exists("red-team-data/red_team_data_old.jsonl"), true);

        const report = await runRetention(deps, LIMITS, { now, actor: "test:ops" });
        assert.deepEqual(
          { ...report.kinds.events, cutoff: undefined },
          { days: 90, cutoff: undefined, deleted: 2, protected: 0 },
        );
        assert.deepEqual(
          { ...report.shadow, cutoff: undefined },
          { days: 90, cutoff: undefined, deleted: 1, protected: 0 },
        );
        assert.deepEqual(
          (await db.db.selectFrom("shadow_results").select("id").execute()).map((r) => r.id),
          [keptShadow],
        );
        assert.equal(report.kinds.feedback.deleted, 1);
        assert.equal(report.kinds.redteam.deleted, 1);
        assert.equal(report.kinds.redteam.protected, 1);
        assert.equal(report.kinds.logs.deleted, 1);
        assert.deepEqual(
          report.protectedVersions.map((p) => [p.key, p.versionId, p.legalHold, p.reason]),
          [["red-team-data/reports/held.json", held.versionId, true, "a legal hold is on"]],
        );

        const events = (await db.db.selectFrom("detection_events").select("id").execute()).map((r) => r.id);
        assert.deepEqual(events, [keptEvent]);
        assert.ok(!oldEvents.some((id) => events.includes(id)));
        assert.deepEqual(
          (await db.db.selectFrom("feedback").select("id").execute()).map((r) => r.id),
          [keptReport],
        );
        // The old versions are gone for good (no delete marker hiding them), the rest is there.
        assert.deepEqual(await store.listVersions("red-team-data/red_team_data_old.jsonl"), []);
        assert.deepEqual(await store.listVersions("logs/2024/app.log"), []);
        assert.equal((await store.head("red-team-data/red_team_data_new.jsonl")).versionId, recent.versionId);
        assert.equal((await store.head("red-team-data/reports/held.json")).versionId, held.versionId);
        assert.ok(old.versionId && oldLog.versionId);

        await audit.flush();
        const entries = await audit.list({ action: "privacy.retention", order: "desc", limit: 2 });
        assert.deepEqual(entries[1]!.details!.dryRun, true);
        assert.deepEqual(entries[0]!.details, {
          dryRun: false,
          kinds: {
            events: { days: 90, deleted: 2, protected: 0 },
            feedback: { days: 365, deleted: 1, protected: 0 },
            redteam: { days: 1, deleted: 1, protected: 1 },
            datasets: { days: 0, deleted: 0, protected: 0 },
            logs: { days: 1, deleted: 1, protected: 0 },
          },
          shadow: { days: 90, deleted: 1 },
        });
        const verified = await audit.verify();
        assert.equal(verified.ok, true, JSON.stringify(verified.problems));

        // A second run finds nothing more; the hold lifted, the held version goes too.
        await store.putLegalHold("red-team-data/reports/held.json", false, { versionId: held.versionId });
        const again = await runRetention(deps, LIMITS, { now, actor: "test:ops" });
        assert.equal(again.kinds.events.deleted, 0);
        assert.equal(again.kinds.redteam.deleted, 1);
        assert.equal(again.kinds.redteam.protected, 0);
        await store.close();
      });
    });
  }
}
