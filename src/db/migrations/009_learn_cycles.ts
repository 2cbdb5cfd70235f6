/**
 * Learning cycles: one row per champion/challenger cycle, written when it starts (so a
 * crashed cycle is visible) and completed with its decision, the rule it applied, the
 * figures both models earned on the fixed suites, the campaign it ran and the files it
 * wrote. A rejected challenger stays in the registry; this row says why it lost.
 * `scheduled_for` is unique: of the servers that all fire the same cron tick, one runs it.
 */
import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("learn_cycles")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("model_name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("champion", "text")
    .addColumn("champion_sha256", "text")
    .addColumn("challenger", "text")
    .addColumn("challenger_sha256", "text")
    .addColumn("decision", "text")
    .addColumn("reason", "text")
    .addColumn("rule", "text", (c) => c.notNull())
    .addColumn("figures", "text")
    .addColumn("campaign", "text")
    .addColumn("data", "text")
    .addColumn("timings", "text")
    .addColumn("options", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("scheduled_for", "text", (c) => c.unique())
    .addColumn("job_id", "text")
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("learn_cycles_model_started")
    .on("learn_cycles")
    .columns(["model_name", "started_at"])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("learn_cycles").execute();
}
