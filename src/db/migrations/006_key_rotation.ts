/**
 * Key rotation without downtime: a rotated key gets a new secret (key_hash, prefix) and
 * keeps its previous one in previous_key_hash, accepted until previous_valid_until. One
 * previous secret at most: rotating again ends the older one at once. NULL for keys never
 * rotated.
 */
import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("api_keys").addColumn("previous_key_hash", "text").execute();
  await db.schema.alterTable("api_keys").addColumn("previous_valid_until", "text").execute();
  await db.schema.alterTable("api_keys").addColumn("rotated_at", "text").execute();
  // Every request with a key that is not in the cache looks it up by either hash.
  await db.schema.createIndex("api_keys_previous_hash").on("api_keys").column("previous_key_hash").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex("api_keys_previous_hash").execute();
  for (const column of ["rotated_at", "previous_valid_until", "previous_key_hash"])
    await db.schema.alterTable("api_keys").dropColumn(column).execute();
}
