/**
 * Detection events: one row per screened text (src/analytics/events/), what analytics,
 * users' reports and the learning loop read, and what retention and erasure delete. The
 * end user is kept only as a keyed hash (`subject`), the text only as configured (none,
 * redacted or full), so the table can be found per person but not read back to one.
 */
import { sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("detection_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("subject", "text")
    .addColumn("route", "text", (c) => c.notNull())
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("flagged", "integer", (c) => c.notNull())
    // double precision: PostgreSQL's real keeps 7 digits, and a score of 0.9999991330 must read back as stored.
    .addColumn("score", "double precision", (c) => c.notNull())
    .addColumn("category", "text")
    .addColumn("evidence", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("latency_ms", "double precision", (c) => c.notNull())
    .addColumn("text_length", "integer", (c) => c.notNull())
    .addColumn("text_mode", "text", (c) => c.notNull())
    .addColumn("text", "text")
    .addColumn("pii", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("detection_events_at").on("detection_events").columns(["at"]).execute();
  // Only events that name a subject are indexed for erasure: most do not, and every index
  // entry is paid on the write path of every detection. There is no index on request_id
  // for the same reason (a random key costs more than the rest of the row on SQLite); a
  // lookup by request id is bounded by time, which the `at` index serves.
  await db.schema
    .createIndex("detection_events_subject")
    .on("detection_events")
    .columns(["subject", "at"])
    .where(sql.ref("subject"), "is not", null)
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("detection_events").execute();
}
