/**
 * The vocabulary of personal data: what kinds Bulwark finds, what a finding says, and the
 * ways a finding is taken out of a text. Every other module that keeps text (events,
 * feedback, datasets, logs, the audit trail) speaks these types, never a detector's own.
 */

/** Kinds of personal data and secrets, each with its mask (`[EMAIL]`). */
export const PII_TYPES = [
  "email",
  "phone",
  "card",
  "iban",
  "national_id",
  "ip",
  "url_credentials",
  "secret",
  "date_of_birth",
  "person",
] as const;
export type PiiType = (typeof PII_TYPES)[number];

/** One piece of personal data in a text: [start, end) in UTF-16 code units, as String#slice counts. */
export interface PiiFinding {
  type: PiiType;
  /** Which detector found it ("email", "card.luhn", "secret.prefix"...), for evidence and measurement. */
  detector: string;
  start: number;
  end: number;
  /** 0..1: how sure the detector is (a checksum-verified number is surer than a name guess). */
  confidence: number;
}

/**
 * - mask: `[EMAIL]`, nothing of the value is kept;
 * - hash: `[EMAIL:3f9a0c1d2b4e]`, a keyed hash of the value, stable per key, so one address
 *   stays joinable across records without being readable (and not reversible without the key);
 * - remove: the value is cut out.
 */
export const REDACTION_MODES = ["mask", "hash", "remove"] as const;
export type RedactionMode = (typeof REDACTION_MODES)[number];

export interface Redaction {
  /** The text with every finding replaced. */
  text: string;
  /** What was found, with spans in the original text. */
  findings: PiiFinding[];
}

/** Finds personal data in one text; detectors are pure and stateless. */
export interface PiiDetector {
  /** The detector's id, also the `detector` of its findings (or their prefix). */
  id: string;
  type: PiiType;
  find(text: string): PiiFinding[];
}
