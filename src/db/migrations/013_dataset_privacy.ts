/**
 * A dataset version's privacy block (src/data/privacy.ts) as JSON: whether its rows hold
 * personal data, on which basis and for which purpose they are kept, what the import found.
 * NULL for versions made before it existed, which read as "unknown".
 */
import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("datasets").addColumn("privacy", "text").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("datasets").dropColumn("privacy").execute();
}
