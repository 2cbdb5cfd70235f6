/**
 * Shadow models (champion/challenger on live traffic): `shadow_config` holds the challenger
 * an admin chose (one row, read by every replica, so all of them follow one setting), and
 * `shadow_results` one row per sampled text scored by it beside the production verdict.
 * As in detection events, the end user is kept only as a keyed hash and a text only when
 * the two models disagreed, redacted as the events' text mode says.
 */
import { sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("shadow_config")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("sample", "double precision", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("shadow_results")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("subject", "text")
    .addColumn("route", "text", (c) => c.notNull())
    .addColumn("text_length", "integer", (c) => c.notNull())
    .addColumn("production_model", "text", (c) => c.notNull())
    .addColumn("production_flagged", "integer", (c) => c.notNull())
    .addColumn("production_score", "double precision", (c) => c.notNull())
    .addColumn("production_category", "text")
    .addColumn("shadow_model", "text", (c) => c.notNull())
    .addColumn("shadow_flagged", "integer", (c) => c.notNull())
    .addColumn("shadow_score", "double precision", (c) => c.notNull())
    .addColumn("shadow_category", "text")
    .addColumn("shadow_latency_ms", "double precision", (c) => c.notNull())
    .addColumn("text_mode", "text", (c) => c.notNull())
    .addColumn("text", "text")
    .execute();
  await db.schema.createIndex("shadow_results_at").on("shadow_results").columns(["at"]).execute();
  await db.schema
    .createIndex("shadow_results_request")
    .on("shadow_results")
    .columns(["request_id"])
    .execute();
  await db.schema
    .createIndex("shadow_results_subject")
    .on("shadow_results")
    .columns(["subject", "at"])
    .where(sql.ref("subject"), "is not", null)
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("shadow_results").execute();
  await db.schema.dropTable("shadow_config").execute();
}
