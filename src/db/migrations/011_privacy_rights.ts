/**
 * Privacy rights: what retention and erasure need to find a person's data and to say what
 * their removal costs. A feedback report keeps the end user it was about as a keyed hash
 * (`subject`, indexed so erasure finds the reports in one read), and a model version can be
 * marked `retrain_required` (with the reason) when data it was trained on was erased: the
 * model still holds what it learned, so an operator must train it again without that data.
 * Erasure receipts live in the audit trail (`privacy.erasure`), not in a table of their own.
 */
import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("feedback").addColumn("subject", "text").execute();
  await db.schema.createIndex("feedback_subject").on("feedback").columns(["subject"]).execute();
  await db.schema.createIndex("feedback_created").on("feedback").columns(["created_at"]).execute();
  await db.schema
    .alterTable("model_versions")
    .addColumn("retrain_required", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("model_versions").addColumn("retrain_reason", "text").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("model_versions").dropColumn("retrain_reason").execute();
  await db.schema.alterTable("model_versions").dropColumn("retrain_required").execute();
  await db.schema.dropIndex("feedback_created").execute();
  await db.schema.dropIndex("feedback_subject").execute();
  await db.schema.alterTable("feedback").dropColumn("subject").execute();
}
