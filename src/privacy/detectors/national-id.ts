/**
 * National identifiers whose format or checksum can be verified, each with its own
 * detector id (`national_id.<scheme>`):
 * - US Social Security number: `AAA-GG-SSSS` outside the never-issued ranges (area 000,
 *   666, 900-999; group 00; serial 0000). Dashed numbers count alone; undashed or spaced
 *   ones only after a cue ("SSN", "social security").
 * - UK National Insurance number: two prefix letters from the allowed set, six digits, a
 *   suffix A-D (format only: there is no checksum).
 * - French NIR (numéro de sécurité sociale): 13 digits (Corsica: 2A/2B) and a key equal
 *   to 97 minus the number mod 97.
 * - Spanish DNI (8 digits and a letter) and NIE (X/Y/Z, 7 digits, a letter): the letter
 *   is the number mod 23.
 * - Dutch BSN: 9 digits passing the 11-proof; only after a cue ("BSN",
 *   "burgerservicenummer"), since one random 9-digit number in eleven passes.
 * - German Steuer-ID: 11 digits, one digit repeated in the first ten, ISO 7064 MOD 11,10
 *   check digit; only after a cue ("Steuer-ID", "IdNr"...).
 * Other countries' identifiers are not found; passport numbers, driving licences and
 * identifiers without a checksum or a fixed shape are left out on purpose.
 */
import type { PiiDetector, PiiFinding } from "../types.js";
import { cueBefore } from "./context.js";

interface Scheme {
  id: string;
  candidate: RegExp;
  /** Confidence for this match, or 0 when it fails. */
  check(value: string, text: string, at: number): number;
}

const SSN_CUE = /(?:ssn|social security|soc\. sec|sozialversicherung|taxpayer)/;
const BSN_CUE = /(?:bsn|burgerservicenummer|sofinummer|sofi-nummer|citizen service number)/;
const STEUER_CUE =
  /(?:steuer-?id|steueridentifikationsnummer|steuer-identifikationsnummer|idnr|identifikationsnummer|tax id)/;
const NIR_CUE = /(?:s[ée]curit[ée] sociale|nir|insee|num[ée]ro ss|carte vitale)/;
const GENERIC_CUE = /(?:national id|id number|identity|nino|national insurance|dni|nie|documento|ausweis)/;

function ssn(value: string, text: string, at: number): number {
  const digits = value.replace(/\D/g, "");
  const area = Number(digits.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return 0;
  if (digits.slice(3, 5) === "00" || digits.slice(5) === "0000") return 0;
  const cue = cueBefore(text, at, SSN_CUE);
  if (/^\d{3}-\d{2}-\d{4}$/.test(value)) return cue ? 0.95 : 0.7;
  return cue ? 0.85 : 0;
}

const NINO_BAD_PREFIX = new Set(["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"]);
function nino(value: string, text: string, at: number): number {
  if (NINO_BAD_PREFIX.has(value.slice(0, 2))) return 0;
  return cueBefore(text, at, GENERIC_CUE) ? 0.95 : 0.85;
}

function mod97(digits: string): number {
  let rest = 0;
  for (let i = 0; i < digits.length; i++) rest = (rest * 10 + (digits.charCodeAt(i) - 48)) % 97;
  return rest;
}

function nir(value: string, text: string, at: number): number {
  const compact = value.replace(/ /g, "");
  const body = compact.slice(0, 13).replace("2A", "19").replace("2B", "18");
  const key = Number(compact.slice(13));
  if (97 - mod97(body) !== key) return 0;
  return cueBefore(text, at, NIR_CUE) ? 0.97 : 0.92;
}

const DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE";
function dni(value: string, text: string, at: number): number {
  const compact = value.replace(/-/g, "");
  const number = compact.slice(0, -1).replace(/^[XYZ]/, (l) => String("XYZ".indexOf(l)));
  if (DNI_LETTERS[Number(number) % 23] !== compact.slice(-1)) return 0;
  return cueBefore(text, at, GENERIC_CUE) ? 0.95 : 0.88;
}

function bsn(value: string, text: string, at: number): number {
  if (!cueBefore(text, at, BSN_CUE)) return 0;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * (value.charCodeAt(i) - 48);
  sum -= value.charCodeAt(8) - 48;
  return sum % 11 === 0 && sum !== 0 ? 0.9 : 0;
}

export function steuerIdValid(value: string): boolean {
  if (value[0] === "0") return false;
  const counts = new Map<string, number>();
  for (const d of value.slice(0, 10)) counts.set(d, (counts.get(d) ?? 0) + 1);
  const repeated = [...counts.values()].filter((n) => n > 1);
  if (repeated.length !== 1 || repeated[0]! > 3) return false;
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (value.charCodeAt(i) - 48 + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = (11 - product) % 10;
  return check === value.charCodeAt(10) - 48;
}

function steuerId(value: string, text: string, at: number): number {
  return cueBefore(text, at, STEUER_CUE) && steuerIdValid(value) ? 0.9 : 0;
}

const SCHEMES: readonly Scheme[] = [
  { id: "us_ssn", candidate: /(?<![\w-])\d{3}([- ]?)\d{2}\1\d{4}(?![\w-])/g, check: ssn },
  {
    id: "uk_nino",
    candidate:
      /(?<![A-Za-z0-9])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g,
    check: nino,
  },
  {
    id: "fr_nir",
    candidate:
      /(?<![\w])[12378] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?![\w])/g,
    check: nir,
  },
  { id: "es_dni", candidate: /(?<![\w-])(?:\d{8}|[XYZ]-?\d{7})-?[A-Z](?![\w-])/g, check: dni },
  { id: "nl_bsn", candidate: /(?<![\w-])\d{9}(?![\w-])/g, check: bsn },
  { id: "de_steuer_id", candidate: /(?<![\w-])[1-9]\d{10}(?![\w-])/g, check: steuerId },
];

export const nationalIdDetector: PiiDetector = {
  id: "national_id",
  type: "national_id",
  find(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    if (!/\d/.test(text)) return out;
    for (const s of SCHEMES) {
      for (const m of text.matchAll(s.candidate)) {
        const confidence = s.check(m[0], text, m.index);
        if (confidence > 0)
          out.push({
            type: "national_id",
            detector: `national_id.${s.id}`,
            start: m.index,
            end: m.index + m[0].length,
            confidence,
          });
      }
    }
    return out;
  },
};
