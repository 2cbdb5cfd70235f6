/**
 * Runs the detectors over a text and settles overlaps, so that every character is
 * claimed by at most one finding: the surer finding wins, then the longer one (a URL
 * with credentials over the e-mail-looking user info inside it).
 */
import { cardDetector } from "./detectors/card.js";
import { dateOfBirthDetector } from "./detectors/date-of-birth.js";
import { emailDetector } from "./detectors/email.js";
import { ibanDetector } from "./detectors/iban.js";
import { ipDetector } from "./detectors/ip.js";
import { nationalIdDetector } from "./detectors/national-id.js";
import { personDetector } from "./detectors/person.js";
import { phoneDetector } from "./detectors/phone.js";
import { secretDetector } from "./detectors/secret.js";
import { urlCredentialsDetector } from "./detectors/url-credentials.js";
import type { PiiDetector, PiiFinding, PiiType } from "./types.js";

/** Every detector, in no particular order (overlaps are settled by confidence and length). */
export const PII_DETECTORS: readonly PiiDetector[] = [
  emailDetector,
  cardDetector,
  phoneDetector,
  ibanDetector,
  nationalIdDetector,
  ipDetector,
  urlCredentialsDetector,
  secretDetector,
  dateOfBirthDetector,
  personDetector,
];

export interface FindOptions {
  /** Only these kinds (default: all). */
  types?: readonly PiiType[] | undefined;
  /** Findings below this confidence are dropped (default 0.5). */
  minConfidence?: number | undefined;
}

export function findPii(text: string, options: FindOptions = {}): PiiFinding[] {
  const min = options.minConfidence ?? 0.5;
  const wanted = options.types ? new Set(options.types) : undefined;
  const all: PiiFinding[] = [];
  for (const d of PII_DETECTORS) {
    if (wanted && !wanted.has(d.type)) continue;
    for (const f of d.find(text)) if (f.confidence >= min) all.push(f);
  }
  return settleOverlaps(all);
}

/**
 * Non-overlapping findings in text order. Each finding, surest first, is kept when none of
 * its characters is claimed yet; claims are marked in a byte map over the findings' range,
 * so the cost is the findings' total length, not the square of their number (a megabyte
 * of "Mr Aaaa " yields 130,000 candidate names).
 */
export function settleOverlaps(findings: PiiFinding[]): PiiFinding[] {
  if (findings.length < 2) return findings;
  const ranked = [...findings].sort(
    (a, b) => b.confidence - a.confidence || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  let from = Infinity;
  let to = 0;
  for (const f of findings) {
    if (f.start < from) from = f.start;
    if (f.end > to) to = f.end;
  }
  const claimed = new Uint8Array(to - from);
  const kept: PiiFinding[] = [];
  for (const f of ranked) {
    let free = true;
    for (let i = f.start - from; i < f.end - from; i++) if (claimed[i]) free = false;
    if (!free) continue;
    claimed.fill(1, f.start - from, f.end - from);
    kept.push(f);
  }
  return kept.sort((a, b) => a.start - b.start);
}
