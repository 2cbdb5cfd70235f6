/**
 * Personal data taken out of the records Bulwark keeps about itself: audit details (the
 * hash chain cannot be edited afterwards, so nothing personal may enter it) and log lines
 * (read by every operator, shipped to other systems). Values are masked, never hashed:
 * these records need no joins on personal data, and a mask says what was there.
 *
 * Two kinds are left alone on purpose: client IP addresses, which the security records
 * keep under legitimate interest (refused logins, rate limits) and which log retention
 * expires; and hex strings, which in these records are digests and ids (a model's SHA-256,
 * a request id), not secrets, and which the high-entropy secret detector would otherwise eat.
 */
import { findPii } from "./detect.js";
import { maskOf } from "./redact.js";
import { PII_TYPES, type PiiType } from "./types.js";

/** The kinds masked in audit details and log lines. */
export const RECORD_PII_TYPES: readonly PiiType[] = PII_TYPES.filter((t) => t !== "ip");

const HEX_ID = /^[0-9a-f-]+$/i;
/** Shorter strings cannot hold any kind Bulwark finds (a short e-mail is 6 characters). */
const MIN_LENGTH = 6;
const MAX_DEPTH = 8;

/**
 * The text with personal data masked; the same string when there is none. A URL path or
 * query hides an address as `jane%40example.com`: such a text is decoded first, and kept
 * decoded when something had to be masked.
 */
export function scrubText(text: string): string {
  if (text.length < MIN_LENGTH) return text;
  const masked = maskFindings(text);
  if (masked !== text || !text.includes("%")) return masked;
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    return text;
  }
  if (decoded === text) return text;
  const scrubbed = maskFindings(decoded);
  return scrubbed === decoded ? text : scrubbed;
}

function maskFindings(text: string): string {
  const findings = findPii(text, { types: RECORD_PII_TYPES, minConfidence: 0.7 }).filter(
    (f) => !HEX_ID.test(text.slice(f.start, f.end)),
  );
  if (findings.length === 0) return text;
  let out = "";
  let at = 0;
  for (const f of findings) {
    out += text.slice(at, f.start) + maskOf(f.type);
    at = f.end;
  }
  return out + text.slice(at);
}

/**
 * A copy of a JSON-like value with every string scrubbed (keys too: a map keyed by
 * e-mail address is as personal as its values). Unchanged parts are returned as they are.
 */
export function scrubValue<T>(value: T, depth = 0): T {
  if (typeof value === "string") return scrubText(value) as T;
  if (value === null || typeof value !== "object" || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v: unknown) => {
      const s = scrubValue(v, depth + 1);
      if (s !== v) changed = true;
      return s;
    });
    return (changed ? out : value) as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = scrubText(k);
    const s = scrubValue(v, depth + 1);
    if (key !== k || s !== v) changed = true;
    out[key] = s;
  }
  return (changed ? out : value) as T;
}
