/**
 * Dates of birth, found only where the text says the date is one: after "born (on)",
 * "date of birth", "DOB", "birthday", "geboren (am)", "Geburtsdatum", "né(e) le", "date de
 * naissance", "fecha de nacimiento", "nacido el", "geboortedatum", "geboren op". A date
 * anywhere else is just a date (a deadline, a log line) and is not personal data by itself.
 *
 * Formats: 31/12/1985, 31.12.85, 12-31-1985, 1985-12-31, "31 December 1985", "31st of
 * December, 1985", "December 31, 1985", and month names in German, French, Spanish and
 * Dutch. The finding covers the date, not the cue. Day, month and year are checked for
 * range (years 1900 to this year). A date more than a few words after the cue is missed.
 */
import type { PiiDetector, PiiFinding } from "../types.js";

const CUE =
  /(?:\bborn(?:\s+on)?|date\s+of\s+birth|birth\s?date|\bd\.?o\.?b\.?|birthday|geboren(?:\s+(?:am|op))?|geburtsdatum|geburtstag|n[ée]e?\s+le|date\s+de\s+naissance|fecha\s+de\s+nacimiento|nacid[oa]\s+el|geboortedatum)(?![a-z])(?:\s*[:\-–]\s*|\s+)(?:(?:on|the|am|le|el|op)\s+)?/gi;
const CUE_HINT = /born|birth|d\.?o\.?b|geb|n[ée]e? le|naissance|nacimiento|nacid/i;

const MONTHS: Readonly<Record<string, number>> = {};
const NAMES = [
  "january|jan|januar|janvier|enero|januari|jänner",
  "february|feb|februar|février|fevrier|febrero|februari",
  "march|mar|märz|maerz|mars|marzo|maart",
  "april|apr|avril|abril",
  "may|mai|mayo|mei",
  "june|jun|juni|juin|junio",
  "july|jul|juli|juillet|julio",
  "august|aug|août|aout|agosto|augustus",
  "september|sep|sept|septembre|septiembre",
  "october|oct|oktober|octobre|octubre",
  "november|nov|novembre|noviembre",
  "december|dec|dezember|décembre|decembre|diciembre",
];
NAMES.forEach((alts, i) => {
  for (const a of alts.split("|")) (MONTHS as Record<string, number>)[a] = i + 1;
});
const MONTH = `(${Object.keys(MONTHS)
  .sort((a, b) => b.length - a.length)
  .join("|")})\\.?`;

/** Each format, sticky at the end of the cue, with how to read day, month and year from it. */
const FORMATS: readonly { re: RegExp; read(m: RegExpExecArray): [number, number, number] }[] = [
  { re: /(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)/y, read: (m) => [Number(m[3]), Number(m[2]), Number(m[1])] },
  {
    // Day first, except when the first number cannot be a day's month and the second can (12/31/1985).
    re: /(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)/y,
    read: (m) => {
      const a = Number(m[1]);
      const b = Number(m[3]);
      return b > 12 && a <= 12 ? [b, a, year(m[4]!)] : [a, b, year(m[4]!)];
    },
  },
  {
    re: new RegExp(
      `(\\d{1,2})(?:st|nd|rd|th|er)?\\.?\\s+(?:of\\s+|de\\s+)?${MONTH},?\\s+(?:de\\s+)?(\\d{4})(?!\\d)`,
      "iy",
    ),
    read: (m) => [Number(m[1]), MONTHS[m[2]!.toLowerCase()]!, Number(m[3])],
  },
  {
    re: new RegExp(`${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})(?!\\d)`, "iy"),
    read: (m) => [Number(m[2]), MONTHS[m[1]!.toLowerCase()]!, Number(m[3])],
  },
];

function year(y: string): number {
  if (y.length === 4) return Number(y);
  const n = Number(y);
  return n > new Date().getFullYear() % 100 ? 1900 + n : 2000 + n;
}

function plausible([d, m, y]: [number, number, number]): boolean {
  return d >= 1 && d <= 31 && m >= 1 && m <= 12 && y >= 1900 && y <= new Date().getFullYear();
}

export const dateOfBirthDetector: PiiDetector = {
  id: "date_of_birth",
  type: "date_of_birth",
  find(text: string): PiiFinding[] {
    if (!CUE_HINT.test(text)) return [];
    const out: PiiFinding[] = [];
    CUE.lastIndex = 0;
    for (let c = CUE.exec(text); c; c = CUE.exec(text)) {
      const at = c.index + c[0].length;
      for (const f of FORMATS) {
        f.re.lastIndex = at;
        const m = f.re.exec(text);
        if (!m || !plausible(f.read(m))) continue;
        out.push({
          type: "date_of_birth",
          detector: "date_of_birth",
          start: at,
          end: at + m[0].length,
          confidence: 0.9,
        });
        break;
      }
    }
    return out;
  },
};
