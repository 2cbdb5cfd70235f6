/**
 * Telephone numbers in the shapes people write them: international (`+44 20 7946 0958`,
 * `+4915112345678`, `0049 30 1234567`), national with a trunk zero (`(030) 1234 5678`,
 * `020 7946 0958`, `06-12345678`) and North American (`(415) 555-0132`, `415-555-0132`).
 *
 * A digit run is a phone number only when its shape says so: a `+`, a trunk `0` with
 * separators and 9-12 digits, or the 3-3-4 American pattern. That keeps out what merely
 * has many digits: dates and times (`01/02/2024 10:30`), versions, IPv4 addresses, card
 * numbers (more than 15 digits), order numbers and timestamps (no phone shape). A cue
 * before the value ("call", "tel", "mobile", "Telefon"...) raises the confidence, and is
 * the only way a bare run of digits (`0612345678`) counts. Numbers written without any
 * of these shapes (`555 0132` with no area code) are not found.
 */
import type { PiiDetector, PiiFinding } from "../types.js";
import { cueBefore } from "./context.js";

/** A digit, then up to 22 digits and separators, ending on a digit that does not go on. */
const CANDIDATE = /(?<![\w+./-])(?:\+|\(\+?)?\d[\d ()./-]{5,22}\d(?![\w]|[./-]\d)/g;
const CUE =
  /(?:call|phone|tel\b|tel\.|telephone|mobile|cell|fax|whatsapp|sms|text me|ring me|reach me|contact|telefon|handy|t[ée]l[ée]phone|portable|t[ée]l\b|telefoon|mobiel|bel me|tel[ée]fono|m[óo]vil|llama|cellulare)/;
const NANP = /^(?:1[ .-]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])\d{3}[ .-]\d{4}$/;
const DATE =
  /(?:^|\D)(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}|(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2})(?:\D|$)/;
/** 3-2-4 is how a US Social Security number is written, not a phone number. */
const SSN_SHAPE = /^\d{3}-\d{2}-\d{4}$/;
const VERSION_CUE = /(?:\bv|version|release|build)\s*$/;

function balanced(s: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

/** How sure the shape makes us, before any cue; 0 when it is no phone number. */
function shapeConfidence(raw: string, digits: number, separated: boolean): number {
  const bare = raw.replace(/^\(\+?/, (p) => (p.includes("+") ? "+" : ""));
  if (bare.startsWith("+")) return digits >= 8 && digits <= 15 && bare[1] !== "0" ? 0.85 : 0;
  if (NANP.test(raw)) return 0.75;
  if (bare.startsWith("00")) return separated && digits >= 10 && digits <= 15 && bare[2] !== "0" ? 0.7 : 0;
  if (bare.startsWith("0")) return separated && digits >= 9 && digits <= 12 ? 0.7 : 0;
  return 0;
}

export const phoneDetector: PiiDetector = {
  id: "phone",
  type: "phone",
  find(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    for (const m of text.matchAll(CANDIDATE)) {
      const raw = m[0];
      if (!balanced(raw) || DATE.test(raw) || SSN_SHAPE.test(raw)) continue;
      const after = text[m.index + raw.length];
      if (after === ":" || after === "%") continue; // a time, a share
      const digits = raw.replace(/\D/g, "").length;
      if (digits < 8 || digits > 15) continue;
      const separated = /[ ()./-]/.test(raw.slice(1));
      if (VERSION_CUE.test(text.slice(Math.max(0, m.index - 12), m.index).toLowerCase())) continue;
      const cue = cueBefore(text, m.index, CUE);
      let confidence = shapeConfidence(raw, digits, separated);
      if (confidence === 0 && cue && !separated && digits >= 9 && digits <= 12 && /^[02-9]/.test(raw))
        confidence = 0.5;
      if (confidence === 0) continue;
      out.push({
        type: "phone",
        detector: raw.startsWith("+") || raw.startsWith("(+") ? "phone.international" : "phone.national",
        start: m.index,
        end: m.index + raw.length,
        confidence: Math.min(0.95, cue ? confidence + 0.12 : confidence),
      });
    }
    return out;
  },
};
