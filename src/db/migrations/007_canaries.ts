/**
 * Canary tokens (POST /v1/canary): one row per token, holding its SHA-256 and never the
 * token, with who made it and an optional label, so a token found in an answer, a log or
 * a paste can be traced to the prompt it was placed in. Leaks seen by /v1/detect/output
 * are counted on the row; each is in the audit trail too.
 */
import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("canaries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("label", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("principal_id", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("leak_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_leak_at", "text")
    .execute();
  await db.schema
    .createIndex("canaries_created_by")
    .on("canaries")
    .columns(["created_by", "created_at"])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("canaries").execute();
}
