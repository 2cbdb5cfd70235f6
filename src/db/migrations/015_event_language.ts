/**
 * The language of each detection event's text (an ISO 639 code from fastText's lid.176,
 * or NULL when it is unknown, the text too short, or the event was not identified), so
 * analytics can count traffic by language and drift can compare it with a model's data.
 * No index: it is read in scans of a time range, never looked up by itself.
 * The roll-ups (014) gain a `lang` dimension: every event stored before has no language.
 */
import { sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("detection_events").addColumn("lang", "text").execute();
  await sql`
    insert into event_rollups (grain, dimension, period, value, requests, flagged)
    select grain, 'lang', period, 'none', requests, flagged from event_rollups where dimension = 'all'`.execute(
    db,
  );
}

export async function down(db: AnyDb): Promise<void> {
  await db.deleteFrom("event_rollups").where("dimension", "=", "lang").execute();
  await db.schema.alterTable("detection_events").dropColumn("lang").execute();
}
