/**
 * The live side of drift: the profile of the detection events one model answered in a time
 * range. At most LIVE_MAX_ROWS events are read, the most recent of the range (the `at`
 * index walked backwards), and binned here: a profile needs a few thousand texts, not a
 * million, and a bounded read keeps the answer quick however busy the range was.
 */
import type { DatabaseHandle } from "../../db/open.js";
import type { Range } from "../aggregates.js";
import { addObservation, emptyProfile, type Profile } from "./profile.js";

/** Events read at most per live profile. */
export const LIVE_MAX_ROWS = 50_000;

export interface LiveProfile extends Profile {
  /** True when the range held more events than were read (the most recent were). */
  sampled: boolean;
  /** Of the rows, those with an identified language. */
  withLanguage: number;
}

export async function liveProfile(
  db: DatabaseHandle,
  model: string,
  range: Range,
  maxRows = LIVE_MAX_ROWS,
): Promise<LiveProfile> {
  const rows = await db.db
    .selectFrom("detection_events")
    .select(["score", "text_length", "lang", "flagged", "evidence"])
    .where("at", ">=", range.from)
    .where("at", "<", range.to)
    .where("model", "=", model)
    .orderBy("at", "desc")
    .limit(maxRows + 1)
    .execute();
  const profile = emptyProfile();
  let withLanguage = 0;
  for (const r of rows.slice(0, maxRows)) {
    if (r.lang) withLanguage++;
    addObservation(profile, {
      score: Number(r.score),
      length: Number(r.text_length),
      lang: r.lang ?? null,
      evidence: JSON.parse(r.evidence) as string[],
      flagged: Number(r.flagged) === 1,
    });
  }
  return { ...profile, sampled: rows.length > maxRows, withLanguage };
}
