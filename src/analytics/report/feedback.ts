/**
 * Users' reports of wrong verdicts filed in a report's range: how many of each kind and
 * status, and the reports themselves without their text. A security report travels (mail,
 * tickets, wikis), so the reported texts stay behind the feedback API, which checks who
 * may read them.
 */
import type { Range } from "../aggregates.js";
import type { DatabaseHandle } from "../../db/open.js";

/** The most reports a report lists one by one; the counts cover all of them. */
export const LISTED_FEEDBACK = 25;

export interface FeedbackEntry {
  id: string;
  createdAt: string;
  /** 0: benign but flagged (a false positive); 1: an attack that was missed. */
  label: 0 | 1;
  category: string | null;
  /** "pending", "accepted" or "rejected". */
  status: string;
  reporterName: string;
  reviewer: string | null;
}

export interface FeedbackInRange {
  /** Reports by label, then status: `falsePositives.pending`, `missedAttacks.accepted`... */
  falsePositives: Record<string, number>;
  missedAttacks: Record<string, number>;
  total: number;
  /** The newest reports, newest first (at most LISTED_FEEDBACK). */
  listed: FeedbackEntry[];
}

export async function feedbackInRange(handle: DatabaseHandle, range: Range): Promise<FeedbackInRange> {
  const inRange = handle.db
    .selectFrom("feedback")
    .where("created_at", ">=", range.from)
    .where("created_at", "<", range.to);
  const counts = await inRange
    .select((eb) => ["label", "status", eb.fn.countAll<number | string>().as("n")])
    .groupBy(["label", "status"])
    .execute();
  const falsePositives: Record<string, number> = {};
  const missedAttacks: Record<string, number> = {};
  let total = 0;
  for (const c of counts) {
    const into = Number(c.label) === 0 ? falsePositives : missedAttacks;
    into[c.status] = (into[c.status] ?? 0) + Number(c.n);
    total += Number(c.n);
  }
  const rows = await inRange
    .select(["id", "created_at", "label", "category", "status", "reporter_name", "reviewer"])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(LISTED_FEEDBACK)
    .execute();
  return {
    falsePositives,
    missedAttacks,
    total,
    listed: rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      label: Number(r.label) === 0 ? 0 : 1,
      category: r.category,
      status: r.status,
      reporterName: r.reporter_name,
      reviewer: r.reviewer,
    })),
  };
}
