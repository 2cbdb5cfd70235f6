/**
 * The live side of drift: the profile of the detection events one model answered in a time
 * range. At most LIVE_MAX_ROWS events are counted, the most recent of the range (the `at`
 * index walked backwards): a profile needs a few thousand texts, not a million, and a
 * bounded read keeps the answer quick however busy the range was. The binning happens in
 * the database (one grouped count per feature over those rows), so no row travels to the
 * process; bins are found by comparison with the same edges profile.ts uses, so a score
 * or a length lands in the same bin in SQL as in JavaScript on both dialects.
 */
import { sql, type RawBuilder } from "kysely";
import type { DatabaseHandle } from "../../db/open.js";
import type { Range } from "../aggregates.js";
import {
  emptyProfile,
  languageBin,
  LENGTH_EDGES,
  SCORE_EDGES,
  type DriftFeature,
  type Profile,
} from "./profile.js";

/** Events read at most per live profile. */
export const LIVE_MAX_ROWS = 50_000;

export interface LiveProfile extends Profile {
  /** True when the range held more events than were read (the most recent were). */
  sampled: boolean;
  /** Of the rows, those with an identified language. */
  withLanguage: number;
}

/** `case when col < e1 then 0 when col < e2 then 1 ... else n end`, the edges as literals. */
function binCase(column: string, edges: readonly number[]): RawBuilder<number> {
  const whens = edges.map((e, i) => `when ${column} < ${e} then ${i}`).join(" ");
  return sql.raw(`case ${whens} else ${edges.length} end`);
}

export async function liveProfile(
  db: DatabaseHandle,
  model: string,
  range: Range,
  maxRows = LIVE_MAX_ROWS,
): Promise<LiveProfile> {
  const recent = sql`select score, text_length, lang, flagged, evidence from detection_events
    where at >= ${range.from} and at < ${range.to} and model = ${model}
    order by at desc limit ${maxRows}`;
  const obfuscated = sql`case when evidence like '%"obfuscation:%' or evidence like '%"payload:%' then 1 else 0 end`;
  const { rows } = await sql<{ f: DriftFeature; b: string; n: number | string }>`
    with recent as (${recent})
    select 'score' as f, cast(${binCase("score", SCORE_EDGES)} as text) as b, count(*) as n from recent group by 2
    union all select 'length', cast(${binCase("text_length", LENGTH_EDGES)} as text), count(*) from recent group by 2
    union all select 'language', lang, count(*) from recent where lang is not null group by lang
    union all select 'obfuscation', cast(${obfuscated} as text), count(*) from recent group by 2
    union all select 'flagged', cast(flagged as text), count(*) from recent group by 2`.execute(db.db);
  const profile = emptyProfile();
  let withLanguage = 0;
  for (const r of rows) {
    const n = Number(r.n);
    if (r.f === "language") {
      profile.counts.language[languageBin(r.b)]! += n;
      withLanguage += n;
    } else profile.counts[r.f][Number(r.b)]! += n;
    if (r.f === "flagged") profile.rows += n;
  }
  const beyond = await db.db
    .selectFrom("detection_events")
    .select("id")
    .where("at", ">=", range.from)
    .where("at", "<", range.to)
    .where("model", "=", model)
    .orderBy("at", "desc")
    .limit(1)
    .offset(maxRows)
    .executeTakeFirst();
  return { ...profile, sampled: beyond !== undefined, withLanguage };
}
