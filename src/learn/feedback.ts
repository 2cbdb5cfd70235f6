/**
 * Users' reviewed reports as a cycle's extra rows: the accepted reports no cycle has used
 * yet, each a sample of source "feedback". The cycle that decides marks them used (by its
 * id), so the next cycle takes only new ones and a used report's review can no longer
 * change. A false positive a user reported is the most valuable hard negative there is.
 */
import type { DatabaseHandle } from "../db/open.js";
import { acceptedFeedback, markFeedbackUsed } from "../feedback/learning.js";
import type { ExtraSamples } from "./types.js";

/** The unused accepted reports, or undefined when there are none. */
export async function feedbackExtras(db: DatabaseHandle): Promise<ExtraSamples | undefined> {
  const accepted = await acceptedFeedback(db);
  if (accepted.length === 0) return undefined;
  const ids = accepted.map((a) => a.id);
  return {
    ids,
    samples: accepted.map((a) => a.sample),
    usedBy: async (cycle) => void (await markFeedbackUsed(db, ids, cycle)),
  };
}
