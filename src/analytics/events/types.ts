/**
 * The vocabulary of detection events: what the request path hands the recorder (a few
 * references, no work done), what a stored event reads as, and the settings and meters
 * the recorder is built with. The table itself is src/db/schema.ts DetectionEventsTable.
 */
import type { Evidence, ModelRef } from "../../detect/types.js";

/** What of a screened text an event keeps (BULWARK_EVENTS_TEXT). */
export type EventTextMode = "none" | "redacted" | "full";

/** The detection routes that leave events. */
export type EventRoute = "detect" | "batch" | "scan";

/**
 * One screened text as the request path saw it. Everything is kept by reference and
 * turned into a row at flush time: the id, the ISO time, the subject's hash, the
 * redaction and the JSON all cost the request nothing.
 */
export interface EventInput {
  /** Epoch milliseconds (default: now). */
  at?: number;
  /** Who asked: the API key's or user's id. */
  actor: string;
  /** The end user's id as given (hashed at flush time, never stored). */
  subject?: string | undefined;
  route: EventRoute;
  requestId: string;
  verdict: {
    flagged: boolean;
    score: number;
    category: string | null;
    evidence: readonly Evidence[];
    model: ModelRef;
    latencyMs: number;
  };
  /** The whole text's length, in UTF-16 code units. */
  textLength: number;
  /**
   * The text, or at least its first `headChars(maxTextChars)` characters (a detection
   * worker sends no more). In text mode `none` at least its first LANGUAGE_HEAD_CHARS, by
   * reference, for language identification only: that mode never stores any of it.
   */
  text?: string | undefined;
}

/** A stored event, as the queries return it. */
export interface DetectionEvent {
  id: string;
  at: string;
  actor: string;
  /** `sub_…`: the keyed hash of the end user's id (app.privacy.subject), or null. */
  subject: string | null;
  route: string;
  requestId: string;
  flagged: boolean;
  score: number;
  category: string | null;
  /** `kind:id` of each piece of evidence (rules, signals, detectors), never matched text. */
  evidence: string[];
  /** `name@version`. */
  model: string;
  latencyMs: number;
  textLength: number;
  textMode: EventTextMode;
  text: string | null;
  /** Kinds of personal data found in the kept part of the text, with counts; {} in `none` mode. */
  pii: Record<string, number>;
  /** ISO 639 code of the text's language (fastText lid.176); null when unknown, too short or not identified. */
  lang: string | null;
}

export interface EventRecorderSettings {
  text: EventTextMode;
  maxTextChars: number;
  batchSize: number;
  flushMs: number;
  maxQueue: number;
  /** Texts whose language is identified a second at most (0: none); the rest get null. */
  langPerSecond: number;
}

/** The recorder's meters; the server passes Prometheus ones (src/server/metrics/registry.ts). */
export interface EventMeters {
  written(n: number): void;
  dropped(reason: "queue_full" | "write_failed" | "closed", n: number): void;
  flushSeconds(seconds: number): void;
}

/**
 * Characters of a text to hand over for an event kept as `maxTextChars`: a margin more, so
 * that personal data straddling the cut is still found whole and masked before the cut.
 */
export const REDACTION_MARGIN = 256;
export function headChars(maxTextChars: number): number {
  return maxTextChars + REDACTION_MARGIN;
}
