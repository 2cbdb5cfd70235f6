/**
 * An API key's own budgets: a rate limit (rate_limit requests per rate_window: second,
 * minute, hour or day) and a daily quota (requests per UTC day). NULL: the service's
 * defaults, so existing keys keep the behaviour they had.
 */
import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("api_keys").addColumn("rate_limit", "integer").execute();
  await db.schema.alterTable("api_keys").addColumn("rate_window", "text").execute();
  await db.schema.alterTable("api_keys").addColumn("daily_quota", "integer").execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const column of ["daily_quota", "rate_window", "rate_limit"])
    await db.schema.alterTable("api_keys").dropColumn(column).execute();
}
