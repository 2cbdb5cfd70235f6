/**
 * Users' reviewed reports as a cycle's extra rows: the accepted reports no cycle has used
 * yet, each a sample of source "feedback". The cycle that decides marks them used (by its
 * id), so the next cycle takes only new ones and a used report's review can no longer
 * change. A false positive a user reported is the most valuable hard negative there is.
 * Each row written from a report carries `meta: {feedback_id, subject}` (the subject as
 * its keyed hash), so erasure can find what a person's reports became.
 */
import type { DatabaseHandle } from "../db/open.js";
import { acceptedFeedback, markFeedbackUsed } from "../feedback/learning.js";
import type { ExtraSamples } from "./types.js";

/** The unused accepted reports, or undefined when there are none. */
export async function feedbackExtras(db: DatabaseHandle): Promise<ExtraSamples | undefined> {
  const accepted = await acceptedFeedback(db);
  if (accepted.length === 0) return undefined;
  const ids = accepted.map((a) => a.id);
  const meta = new Map(accepted.map((a) => [a.sample, { feedback_id: a.id, subject: a.subject }]));
  return {
    ids,
    samples: accepted.map((a) => a.sample),
    rowMeta: (sample) => meta.get(sample),
    usedBy: async (cycle) => void (await markFeedbackUsed(db, ids, cycle)),
  };
}
