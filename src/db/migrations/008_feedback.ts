/**
 * Users' reports that a verdict was wrong (POST /v1/feedback, `bulwark feedback add`):
 * one row per report, holding the text the reporter sent (Bulwark keeps no screened text)
 * and its SHA-256, the review, and the learning cycle that used it. One reporter reporting
 * the same text with the same label twice gets its first report back, which the unique
 * index makes hold under concurrency.
 */
import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("feedback")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("reporter", "text", (c) => c.notNull())
    .addColumn("reporter_name", "text", (c) => c.notNull())
    .addColumn("label", "integer", (c) => c.notNull())
    .addColumn("category", "text")
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("text_sha256", "text", (c) => c.notNull())
    .addColumn("text_length", "integer", (c) => c.notNull())
    .addColumn("note", "text")
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("reviewer", "text")
    .addColumn("review_note", "text")
    .addColumn("reviewed_at", "text")
    .addColumn("used_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("feedback_reporter_text", ["reporter", "label", "text_sha256"])
    .execute();
  await db.schema.createIndex("feedback_status").on("feedback").columns(["status", "used_by"]).execute();
  await db.schema.createIndex("feedback_reporter").on("feedback").columns(["reporter", "id"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("feedback").execute();
}
