/**
 * Ending a user's tokens at once: `users.token_generation` is copied into every token
 * issued (claim `gen`) and bumped when the password changes or the user is disabled, so
 * every server process refuses the older tokens at their next request. 0 for existing
 * users; tokens issued before this migration carry no claim and count as generation 0.
 */
import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .alterTable("users")
    .addColumn("token_generation", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("users").dropColumn("token_generation").execute();
}
