import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { NO_MIGRATIONS, sql } from "kysely";
import { openDatabase, runMigrations, createMigrator } from "../../src/db/open.js";
import { writeTransaction } from "../../src/db/transaction.js";
import { newId } from "../../src/db/ids.js";
import { isUniqueViolation } from "../../src/db/errors.js";
import { migrations } from "../../src/db/migrations/index.js";
import { createPgDatabase, createSqliteSettings, testDatabases } from "./databases.js";
import { runNode } from "./fixtures/run-node.js";

const OPEN_FIXTURE = new URL("./fixtures/open-db.js", import.meta.url).pathname;

for (const t of await testDatabases()) {
  describe(`metadata database on ${t.dialect}`, () => {
    test("opening runs the migrations once and reopening finds nothing pending", async () => {
      const a = await t.open();
      assert.equal(a.dialect, t.dialect);
      const tables = (await a.db.introspection.getTables()).map((x) => x.name);
      for (const name of ["datasets", "runs", "model_versions", "model_stage_events"]) {
        assert.ok(tables.includes(name), `${name} in ${tables.join(", ")}`);
      }
      const b = await t.open();
      assert.deepEqual(await runMigrations(b), []);
      const status = await createMigrator(b).getMigrations();
      assert.ok(status.every((m) => m.executedAt instanceof Date));
    });

    test("JSON, ISO timestamps and large integers round-trip the same way", async () => {
      const h = await t.open();
      const id = newId("ds");
      await h.db
        .insertInto("datasets")
        .values({
          id,
          name: "roundtrip",
          version: 1,
          status: "ready",
          data_key: "training-data/roundtrip/v1.jsonl",
          manifest_key: "training-data/roundtrip/v1.manifest.json",
          sha256: "ab".repeat(32),
          size_bytes: 5_000_000_000,
          rows: 3,
          skipped_rows: 0,
          counts: JSON.stringify({ label: { "0": 2, "1": 1 } }),
          origin: "{}",
          metadata: JSON.stringify({ note: "héllo ✓" }),
          created_at: new Date(0).toISOString(),
          created_by: "test",
        })
        .execute();
      const row = await h.db
        .selectFrom("datasets")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.size_bytes), 5_000_000_000);
      assert.deepEqual(JSON.parse(row.metadata), { note: "héllo ✓" });
      assert.equal(row.created_at, "1970-01-01T00:00:00.000Z");
    });

    test("the database refuses a second production version of a model", async () => {
      const h = await t.open();
      const base = {
        name: "one-prod",
        major: 1,
        minor: 0,
        patch: 0,
        family: "builtin",
        format: "x",
        status: "ready",
        artifact_key: "k",
        manifest_key: "m",
        datasets: "[]",
        params: "{}",
        metrics: "{}",
        created_at: new Date().toISOString(),
        created_by: "test",
        retrain_required: 0,
      };
      await h.db
        .insertInto("model_versions")
        .values({ ...base, id: newId("mv"), version: "1.0.0", stage: "production" })
        .execute();
      await h.db
        .insertInto("model_versions")
        .values({ ...base, id: newId("mv"), version: "1.1.0", stage: "staging" })
        .execute();
      await assert.rejects(
        h.db
          .updateTable("model_versions")
          .set({ stage: "production" })
          .where("version", "=", "1.1.0")
          .execute(),
        (err) => isUniqueViolation(err),
      );
      await assert.rejects(
        h.db
          .insertInto("model_versions")
          .values({ ...base, id: newId("mv"), version: "1.0.0", stage: "none" })
          .execute(),
        (err) => isUniqueViolation(err),
      );
    });

    test("a failed write transaction leaves nothing behind", async () => {
      const h = await t.open();
      await assert.rejects(
        writeTransaction(h, async (tx) => {
          await tx
            .insertInto("runs")
            .values({
              id: "run_rolled_back",
              kind: "train",
              status: "running",
              model_name: "m",
              family: "builtin",
              params: "{}",
              datasets: "[]",
              environment: "{}",
              started_at: new Date().toISOString(),
              created_by: "test",
            })
            .execute();
          throw new Error("boom");
        }),
        /boom/,
      );
      const n = await h.db
        .selectFrom("runs")
        .select(sql<number>`count(*)`.as("n"))
        .where("id", "=", "run_rolled_back")
        .executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 0);
    });

    test("migrations can be rolled back and applied again", async () => {
      // A database of its own, so the other tests' tables stay.
      const h = await openDatabase(
        t.dialect === "sqlite" ? createSqliteSettings() : await createPgDatabase(),
      );
      try {
        // Every migration down (others add theirs after 001), then all up again.
        const down = await createMigrator(h).migrateTo(NO_MIGRATIONS);
        assert.equal(down.error, undefined);
        assert.ok(!(await h.db.introspection.getTables()).some((x) => x.name === "model_versions"));
        assert.deepEqual(await runMigrations(h, migrations), Object.keys(migrations).sort());
      } finally {
        await h.close();
      }
    });

    test("processes opening a fresh database at once migrate it exactly once", async () => {
      const settings = t.dialect === "sqlite" ? createSqliteSettings() : await createPgDatabase();
      const results = await Promise.all(
        [1, 2, 3, 4].map(() => runNode(OPEN_FIXTURE, [JSON.stringify(settings)])),
      );
      for (const r of results) {
        assert.equal(r.code, 0, r.stderr);
        assert.ok((JSON.parse(r.stdout) as { tables: string[] }).tables.includes("model_versions"));
      }
      const h = await openDatabase(settings);
      try {
        const rows = await h.db
          .selectFrom("kysely_migration" as never)
          .select(sql<string>`name`.as("name"))
          .execute();
        assert.deepEqual(rows.map((r) => r.name).sort(), Object.keys(migrations).sort());
      } finally {
        await h.close();
      }
    });
  });
}

test("handles on one SQLite file in one process share its connection, so their transactions queue", async () => {
  const settings = createSqliteSettings();
  const a = await openDatabase(settings);
  const b = await openDatabase(settings);
  const run = (id: string) => ({
    id,
    kind: "train",
    status: "running",
    model_name: "m",
    family: "builtin",
    params: "{}",
    datasets: "[]",
    environment: "{}",
    started_at: new Date().toISOString(),
    created_by: "test",
  });
  try {
    await Promise.all([
      writeTransaction(a, async (tx) => {
        await tx.insertInto("runs").values(run("run_a1")).execute();
        await new Promise((r) => setTimeout(r, 50));
        await tx.insertInto("runs").values(run("run_a2")).execute();
      }),
      writeTransaction(b, async (tx) => {
        await tx.insertInto("runs").values(run("run_b1")).execute();
      }),
    ]);
    await a.close();
    // Closing one handle leaves the other working.
    const rows = await b.db.selectFrom("runs").select("id").orderBy("id").execute();
    assert.deepEqual(
      rows.map((r) => r.id),
      ["run_a1", "run_a2", "run_b1"],
    );
  } finally {
    await a.close();
    await b.close();
  }
});

test("an unreachable PostgreSQL is a clear DATABASE_UNAVAILABLE error", async () => {
  await assert.rejects(
    openDatabase({ url: "postgres://nobody:secret@127.0.0.1:1/none", sqlitePath: "" }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, "DATABASE_UNAVAILABLE");
      assert.doesNotMatch(err.message, /secret/);
      return true;
    },
  );
});
