/**
 * Where reviewed reports meet the learning loop: accepted reports as dataset samples
 * (source "feedback", grouped by report, so a report never straddles a train/validation
 * split), and the mark a cycle leaves on the reports it trained on, so the next cycle
 * takes only new ones and a used report's decision can no longer change.
 */
import { IntegrityError, ValidationError } from "../core/errors.js";
import type { DatabaseHandle } from "../db/open.js";
import type { Sample } from "../data/sample.js";
import { isCategory } from "../detect/types.js";

export const FEEDBACK_SOURCE = "feedback";
const MAX_USED_BY_CHARS = 200;
/** Ids per UPDATE, well under every dialect's limit on bound parameters. */
const CHUNK = 500;

export interface AcceptedReport {
  /** The report's id: what markFeedbackUsed takes. */
  id: string;
  /** The end user it is about, as a keyed hash; rows made from it carry it so erasure finds them. */
  subject: string | null;
  sample: Sample;
}

export interface AcceptedOptions {
  /** Only reports no cycle has used yet (default true). */
  unusedOnly?: boolean;
  /** Only the reports this cycle or run used (to rebuild its data); implies used ones. */
  usedBy?: string;
}

/** Accepted reports as samples, oldest first. */
export async function acceptedFeedback(
  handle: DatabaseHandle,
  options: AcceptedOptions = {},
): Promise<AcceptedReport[]> {
  let q = handle.db
    .selectFrom("feedback")
    .select(["id", "label", "category", "text", "subject"])
    .where("status", "=", "accepted");
  if (options.usedBy !== undefined) q = q.where("used_by", "=", options.usedBy);
  else if (options.unusedOnly !== false) q = q.where("used_by", "is", null);
  const rows = await q.orderBy("id").execute();
  return rows.map((row) => {
    const label = Number(row.label) === 1 ? 1 : 0;
    // A review accepts a missed attack only with a category (FeedbackStore.review).
    if (label === 1 && !isCategory(row.category))
      throw new IntegrityError(`accepted feedback report "${row.id}" is an attack without a category`, {
        id: row.id,
      });
    const sample: Sample = {
      text: row.text,
      label,
      category: label === 1 ? (row.category as Sample["category"]) : "benign",
      source: FEEDBACK_SOURCE,
      lang: null,
      group: row.id,
    };
    return { id: row.id, subject: row.subject, sample };
  });
}

/**
 * Marks accepted, unused reports among `ids` as used by `usedBy` (a cycle or run id).
 * Reports already used keep their first user; pending or rejected ones are not marked.
 * Returns how many were marked now.
 */
export async function markFeedbackUsed(
  handle: DatabaseHandle,
  ids: readonly string[],
  usedBy: string,
): Promise<number> {
  if (usedBy === "" || usedBy.length > MAX_USED_BY_CHARS)
    throw new ValidationError(`usedBy must be 1-${MAX_USED_BY_CHARS} characters`);
  let marked = 0;
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const result = await handle.db
      .updateTable("feedback")
      .set({ used_by: usedBy })
      .where("id", "in", unique.slice(i, i + CHUNK))
      .where("status", "=", "accepted")
      .where("used_by", "is", null)
      .executeTakeFirst();
    marked += Number(result.numUpdatedRows);
  }
  return marked;
}
