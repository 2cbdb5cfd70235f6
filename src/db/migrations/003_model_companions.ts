/**
 * Companion files of model versions: a format may own files beside its artifact (an ONNX
 * transformer's tokenizer.json and config.json), and each one's SHA-256 is recorded here,
 * in the database, for the reason the artifact's is: the manifest sits in the object store
 * beside the files and could be rewritten together with them. JSON as TEXT; NULL for a
 * version of one file, so existing rows need nothing.
 */
import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("model_versions").addColumn("companions", "text").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("model_versions").dropColumn("companions").execute();
}
