/**
 * Hourly roll-ups of detection events (src/analytics/events/rollups.ts): counts by
 * dimension value and latency histograms, kept by the event writer in the same
 * transaction as the events, so analytics over a month read hours, not events. Events
 * already stored are rolled up here, so an upgraded deployment keeps its history.
 *
 * Keys start with the dimension: every query asks for one dimension over a range of hours.
 */
import { sql, type Kysely, type RawBuilder } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("event_rollups")
    .addColumn("dimension", "text", (c) => c.notNull())
    .addColumn("hour", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("requests", "bigint", (c) => c.notNull())
    .addColumn("flagged", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("event_rollups_pk", ["dimension", "hour", "value"])
    .execute();
  await db.schema
    .createTable("event_latency_rollups")
    .addColumn("dimension", "text", (c) => c.notNull())
    .addColumn("hour", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("bin", "integer", (c) => c.notNull())
    .addColumn("n", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("event_latency_rollups_pk", ["dimension", "hour", "value", "bin"])
    .execute();
  await backfill(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("event_latency_rollups").execute();
  await db.schema.dropTable("event_rollups").execute();
}

/**
 * The events stored before this migration, rolled up as the writer would have. The bins
 * are those of analytics/events/latency-bins.ts at the time of writing (40 a decade from
 * 1 µs to 1,000 s), in SQL: both dialects' log() of one argument is base 10.
 */
async function backfill(db: AnyDb): Promise<void> {
  const postgres = await isPostgres(db);
  const hour = sql`substr(at, 1, 13)`;
  const dimensions: [string, RawBuilder<unknown>][] = [
    ["all", sql`''`],
    ["route", sql`route`],
    ["category", sql`coalesce(category, 'none')`],
    ["model", sql`model`],
    ["key", sql`actor`],
  ];
  for (const [dimension, value] of dimensions) {
    await sql`
      insert into event_rollups (dimension, hour, value, requests, flagged)
      select ${sql.lit(dimension)}, ${hour}, ${value}, count(*), sum(flagged)
      from detection_events group by 2, 3`.execute(db);
    await sql`
      insert into event_latency_rollups (dimension, hour, value, bin, n)
      select ${sql.lit(dimension)}, ${hour}, ${value}, bin, count(*) from (
        select at, route, category, model, actor,
          case when latency_ms <= 0.001 then -120 when latency_ms >= 1000000 then 240
            else cast(floor(40 * log(latency_ms)) as integer) end as bin
        from detection_events) as e
      group by 2, 3, 4`.execute(db);
  }
  const unnest = postgres
    ? sql`cross join lateral jsonb_array_elements_text(e.evidence::jsonb) as j(value)`
    : sql`join json_each(e.evidence) as j`;
  await sql`
    insert into event_rollups (dimension, hour, value, requests, flagged)
    select 'evidence', substr(e.at, 1, 13), j.value, count(*), sum(e.flagged)
    from detection_events as e ${unnest} group by 2, 3`.execute(db);
}

async function isPostgres(db: AnyDb): Promise<boolean> {
  try {
    await sql`select version()`.execute(db);
    return true;
  } catch {
    return false;
  }
}
