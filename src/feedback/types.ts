/**
 * The vocabulary of users' reports that a verdict was wrong. A report names the request
 * the verdict answered (its request id) and carries the text itself, because Bulwark keeps
 * no screened text; an analyst accepts or rejects it, and an accepted report becomes one
 * labelled sample for the next learning cycle, which marks it used.
 */
import type { Category } from "../detect/types.js";
import type { Redactor } from "../privacy/index.js";

/** 0: "this was benign, you flagged it" (a false positive); 1: "this was an attack you missed". */
export type FeedbackLabel = 0 | 1;

export const FEEDBACK_STATUSES = ["pending", "accepted", "rejected"] as const;
export type FeedbackStatus = (typeof FEEDBACK_STATUSES)[number];

export const REVIEW_DECISIONS = ["accepted", "rejected"] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** The request id shape the server keeps from a caller's X-Request-Id (src/server/app.ts genReqId). */
export const REQUEST_ID_PATTERN = "^[A-Za-z0-9._:-]{1,64}$";
export const MAX_NOTE_CHARS = 2000;
/** The longest end-user id a report may name (it is hashed, never kept). */
export const MAX_SUBJECT_CHARS = 256;
/** How much of a text a listing shows; the whole text is in the report itself. */
export const PREVIEW_CHARS = 160;

/** What a reporter sends. */
export interface FeedbackInput {
  requestId: string;
  label: FeedbackLabel;
  text: string;
  category?: Category | undefined;
  note?: string | undefined;
  /** The end user the text came from: stored only as its keyed hash (FeedbackPrivacy.subject). */
  subject?: string | undefined;
}

/**
 * What the store needs to keep a report without keeping personal data: the deployment's
 * redactor (the text is redacted before it is stored) and its keyed hash of an end-user id.
 * The application's privacy kit (src/app/privacy.ts) is one.
 */
export interface FeedbackPrivacy {
  redactor: Redactor;
  subject(id: string): string;
}

/** Who files a report: `id` decides what is theirs, `name` is how they appear to reviewers. */
export interface Reporter {
  /** The API key or user id ("key_...", "usr_..."), or the command line's actor ("cli:alice"). */
  id: string;
  /** "key:chat-frontend", "user:alice", "cli:alice". */
  name: string;
}

/** A report as listed: everything but the text, of which a preview. */
export interface FeedbackSummary {
  id: string;
  requestId: string;
  reporter: string;
  reporterName: string;
  label: FeedbackLabel;
  category: Category | null;
  /** Hex SHA-256 of the text as stored (UTF-8, after redaction). */
  textSha256: string;
  /** The stored text's length in UTF-16 code units (JavaScript's `.length`, as the limit counts). */
  textLength: number;
  /** The text's first characters. */
  preview: string;
  note: string | null;
  status: FeedbackStatus;
  reviewer: string | null;
  reviewNote: string | null;
  reviewedAt: string | null;
  /** The learning cycle or run that trained on it; null until one did. */
  usedBy: string | null;
  createdAt: string;
}

export interface FeedbackReport extends FeedbackSummary {
  text: string;
}

/** Which reports a caller may see: its own, or (reviewers) all. */
export type FeedbackViewer = { all: true } | { all: false; reporter: string };

export interface ReviewInput {
  decision: ReviewDecision;
  note?: string | undefined;
  /** For an attack report filed without a category: the category the reviewer gives it. */
  category?: Category | undefined;
}
