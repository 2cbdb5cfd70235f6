/**
 * Roll-ups of detection events per UTC hour and day (src/analytics/events/rollups.ts):
 * counts by dimension value and latency histograms, kept by the event writer in the same
 * transaction as the events, so analytics over a month read days, not events. Events
 * already stored are rolled up here, so an upgraded deployment keeps its history.
 *
 * Keys start with the grain and dimension: every query asks for one dimension over a
 * range of periods of one grain. SQLite keeps these tables clustered by their key
 * (WITHOUT ROWID), so such a range is read in order without a lookup per row.
 */
import { sql, type Kysely, type RawBuilder } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  const postgres = await isPostgres(db);
  const clustered = postgres ? sql`` : sql`without rowid`;
  await db.schema
    .createTable("event_rollups")
    .addColumn("grain", "text", (c) => c.notNull())
    .addColumn("dimension", "text", (c) => c.notNull())
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("requests", "bigint", (c) => c.notNull())
    .addColumn("flagged", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("event_rollups_pk", ["grain", "dimension", "period", "value"])
    .modifyEnd(clustered)
    .execute();
  await db.schema
    .createTable("event_latency_rollups")
    .addColumn("grain", "text", (c) => c.notNull())
    .addColumn("dimension", "text", (c) => c.notNull())
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("bin", "integer", (c) => c.notNull())
    .addColumn("n", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("event_latency_rollups_pk", ["grain", "dimension", "period", "value", "bin"])
    .modifyEnd(clustered)
    .execute();
  for (const [grain, chars] of [
    ["hour", 13],
    ["day", 10],
  ] as const)
    await backfill(db, postgres, grain, chars);
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
async function backfill(db: AnyDb, postgres: boolean, grain: string, chars: number): Promise<void> {
  const g = sql.lit(grain);
  const period = sql`substr(at, 1, ${sql.lit(chars)})`;
  const counted: [string, RawBuilder<unknown>][] = [
    ["all", sql`''`],
    ["route", sql`route`],
    ["category", sql`coalesce(category, 'none')`],
    ["model", sql`model`],
    ["key", sql`actor`],
  ];
  for (const [dimension, value] of counted)
    await sql`
      insert into event_rollups (grain, dimension, period, value, requests, flagged)
      select ${g}, ${sql.lit(dimension)}, ${period}, ${value}, count(*), sum(flagged)
      from detection_events group by 3, 4`.execute(db);
  for (const [dimension, value] of counted.filter(([d]) => ["all", "route", "model"].includes(d)))
    await sql`
      insert into event_latency_rollups (grain, dimension, period, value, bin, n)
      select ${g}, ${sql.lit(dimension)}, ${period}, ${value}, bin, count(*) from (
        select at, route, model,
          case when latency_ms <= 0.001 then -120 when latency_ms >= 1000000 then 240
            else cast(floor(40 * log(latency_ms)) as integer) end as bin
        from detection_events) as e
      group by 3, 4, 5`.execute(db);
  await sql`
    insert into event_rollups (grain, dimension, period, value, requests, flagged)
    select ${g}, 'request', ${period}, '', count(distinct request_id),
      count(distinct case when flagged = 1 then request_id end)
    from detection_events group by 3`.execute(db);
  const unnest = postgres
    ? sql`cross join lateral jsonb_array_elements_text(e.evidence::jsonb) as j(value)`
    : sql`join json_each(e.evidence) as j`;
  await sql`
    insert into event_rollups (grain, dimension, period, value, requests, flagged)
    select ${g}, 'evidence', substr(e.at, 1, ${sql.lit(chars)}), j.value, count(*), sum(e.flagged)
    from detection_events as e ${unnest} group by 3, 4`.execute(db);
}

async function isPostgres(db: AnyDb): Promise<boolean> {
  try {
    await sql`select version()`.execute(db);
    return true;
  } catch {
    return false;
  }
}
