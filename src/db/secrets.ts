/**
 * Secrets the service makes for itself, kept in the metadata database so that every
 * server process (on any machine) shares them: generated on first start, never taken
 * from a default. Losing the row only invalidates the outstanding tokens.
 */
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** The named secret, created (32 random bytes) if absent; concurrent first starts agree on one. */
export async function loadOrCreateSecret(db: Kysely<Database>, name: string): Promise<Buffer> {
  const read = async () =>
    (await db.selectFrom("service_secrets").select("value").where("name", "=", name).executeTakeFirst())
      ?.value;
  const existing = await read();
  if (existing) return Buffer.from(existing, "base64");
  await db
    .insertInto("service_secrets")
    .values({ name, value: randomBytes(32).toString("base64"), created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const value = await read();
  if (!value) throw new Error(`could not create the service secret ${name}`);
  return Buffer.from(value, "base64");
}
