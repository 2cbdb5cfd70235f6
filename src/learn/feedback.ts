/**
 * Users' reviewed reports as a cycle's extra rows: the accepted reports no cycle has used
 * yet, each a sample of source "feedback". The cycle that decides marks them used (by its
 * id), so the next cycle takes only new ones and a used report's review can no longer
 * change. A false positive a user reported is the most valuable hard negative there is.
 * Each row written from a report carries `meta: {feedback_id, subject}` (the subject as
 * its keyed hash), so erasure can find what a person's reports became.
 * A report's text came from an end user: it joins the learning data (and the combined
 * data a cycle writes to the store) only after the redactor has taken personal data out.
 */
import type { DatabaseHandle } from "../db/open.js";
import { acceptedFeedback, markFeedbackUsed } from "../feedback/learning.js";
import type { Redactor } from "../privacy/index.js";
import type { ExtraSamples } from "./types.js";

/** The unused accepted reports, redacted, or undefined when there are none. */
export async function feedbackExtras(
  db: DatabaseHandle,
  redactor: Redactor,
): Promise<ExtraSamples | undefined> {
  const accepted = await acceptedFeedback(db);
  if (accepted.length === 0) return undefined;
  const ids = accepted.map((a) => a.id);
  const meta = new Map<object, { feedback_id: string; subject: string | null }>();
  const samples = accepted
    .map((a) => {
      const sample = { ...a.sample, text: redactor.redact(a.sample.text).text };
      meta.set(sample, { feedback_id: a.id, subject: a.subject });
      return sample;
    })
    // A report that was nothing but an address (mode remove) teaches nothing.
    .filter((s) => s.text.trim() !== "");
  return {
    ids,
    samples,
    rowMeta: (sample) => meta.get(sample),
    usedBy: async (cycle) => void (await markFeedbackUsed(db, ids, cycle)),
  };
}
