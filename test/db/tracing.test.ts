/**
 * Database spans on SQLite and PostgreSQL: with tracing on, a query made inside a traced
 * operation is a CLIENT span under it, named by operation and table, with the dialect's
 * db.system.name and never a parameter value; a failed query is an error span; queries in
 * a transaction are traced and the transaction still commits; a query outside any traced
 * operation makes no span. Exported to a real OTLP receiver and decoded there.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { startTracing } from "../../src/app/tracing.js";
import { tracer } from "../../src/core/tracing.js";
import { startOtlpReceiver, SPAN_KIND } from "../server/otlp-receiver.js";
import { testDatabases } from "./databases.js";

for (const database of await testDatabases()) {
  describe(`database spans (${database.dialect})`, () => {
    test("queries under a traced operation are spans naming operation and table, without values", async () => {
      const receiver = await startOtlpReceiver();
      const tracing = await startTracing(
        { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
        { serviceName: "db-test" },
      );
      try {
        const handle = await database.open(); // after tracing started: its dialect is wrapped
        const db = handle.db;
        await sql`select 1`.execute(db); // no traced operation: no span
        await tracer().startActiveSpan("operation", async (parent) => {
          await db.selectFrom("api_keys").selectAll().where("name", "=", "zq-value-5521").execute();
          await sql`select * from no_such_table`.execute(db).catch(() => undefined);
          await db.transaction().execute(async (trx) => {
            await trx.selectFrom("api_keys").select("id").execute();
          });
          parent.end();
        });
        await tracing.shutdown();
        await receiver.waitFor((s) => s.some((x) => x.name === "operation"), 10_000, "the operation");
        const parent = receiver.spans.find((s) => s.name === "operation")!;
        const system = database.dialect === "sqlite" ? "sqlite" : "postgresql";
        const queries = receiver.spans.filter((s) => s.attributes["db.system.name"] === system);
        assert.ok(queries.length >= 3, `spans: ${receiver.spans.map((s) => s.name).join(", ")}`);
        for (const q of queries) {
          assert.equal(q.parentSpanId, parent.spanId, "every query span is under the operation");
          assert.equal(q.kind, SPAN_KIND.client);
        }
        const select = queries.find((q) => q.name === "SELECT api_keys");
        assert.ok(select);
        assert.equal(select.attributes["db.operation.name"], "SELECT");
        assert.equal(select.attributes["db.collection.name"], "api_keys");
        assert.equal(select.attributes["db.response.returned_rows"], 0);
        const failed = queries.find((q) => q.name === "SELECT no_such_table");
        assert.ok(failed);
        assert.equal(failed.statusCode, 2);
        assert.equal(
          queries.filter((q) => q.name === "SELECT api_keys").length,
          2,
          "the one in the transaction too",
        );
        const text = receiver.spans.map((s) => JSON.stringify(s.attributes)).join("\n");
        assert.ok(!text.includes("zq-value-5521"), "no parameter value in any attribute");
        assert.ok(
          !receiver.spans.some((s) => s.name === "SELECT" && s.parentSpanId === ""),
          "untraced select 1",
        );
      } finally {
        await tracing.shutdown();
        await receiver.close();
      }
    });
  });
}
