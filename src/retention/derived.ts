/**
 * Where a subject's data lives on in stored objects after the database rows are gone: the
 * rows learning cycles and datasets were made from. A row is the subject's when it names
 * the subject's keyed hash (`subject`, as the dataset format and imports keep it), when its
 * `meta` names the hash or one of the subject's feedback reports (as the learning loop
 * writes a report's row), or when it is a report's
 * row as the learning loop writes it (source "feedback", group = the report's id), which is
 * how a later cycle copies it without its `meta`.
 */
import { FEEDBACK_SOURCE } from "../feedback/learning.js";
import { PREFIXES } from "../storage/layout.js";

/** The prefixes whose JSONL objects may hold rows derived from a person's data. */
export const DERIVED_PREFIXES = [PREFIXES.combined, PREFIXES.trainingData] as const;

export interface SubjectMatch {
  subject: string;
  feedbackIds: ReadonlySet<string>;
}

function metaOf(row: Record<string, unknown>): Record<string, unknown> | undefined {
  for (const field of ["meta", "metadata"]) {
    const m = row[field];
    if (m && typeof m === "object" && !Array.isArray(m)) return m as Record<string, unknown>;
  }
  return undefined;
}

export function isSubjectRow(row: Record<string, unknown> | null, match: SubjectMatch): boolean {
  if (!row) return false;
  if (row.subject === match.subject) return true;
  const meta = metaOf(row);
  if (meta) {
    if (meta.subject === match.subject) return true;
    if (typeof meta.feedback_id === "string" && match.feedbackIds.has(meta.feedback_id)) return true;
  }
  return row.source === FEEDBACK_SOURCE && typeof row.group === "string" && match.feedbackIds.has(row.group);
}

/** JSONL data objects (manifests and reports are not rows). */
export const isRowsKey = (key: string) => key.endsWith(".jsonl");
