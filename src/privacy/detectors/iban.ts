/**
 * International bank account numbers (IBAN): a country code, two check digits and the
 * national account number, written whole or in groups of four. A candidate counts only
 * when its length is the one its country uses and the ISO 13616 mod-97 checksum holds,
 * so one random string in 97 that happens to look like an IBAN of the right length is
 * the only false positive. Upper-case only, as IBANs are printed; countries missing from
 * the table below are not found.
 */
import type { PiiDetector, PiiFinding } from "../types.js";

/** IBAN lengths by country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

/** A country code, check digits, then 11-30 letters or digits, optionally one space between. */
const CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}/g;

/** ISO 13616: the first four characters moved to the end, letters as 10-35, the number mod 97 is 1. */
export function ibanValid(iban: string): boolean {
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  if (length === undefined || iban.length !== length) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i);
    if (c >= 48 && c <= 57) rest = (rest * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rest = (rest * 100 + (c - 55)) % 97;
    else return false;
  }
  return rest === 1;
}

export const ibanDetector: PiiDetector = {
  id: "iban",
  type: "iban",
  find(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    for (const m of text.matchAll(CANDIDATE)) {
      const length = IBAN_LENGTHS[m[0].slice(0, 2)];
      if (length === undefined) continue;
      // The match may run on into a following code ("... 00 EUR"): keep the country's length.
      let end = 0;
      let count = 0;
      while (end < m[0].length && count < length) if (m[0][end++] !== " ") count++;
      if (count < length) continue;
      if (/[A-Za-z0-9]/.test(m[0][end] ?? text[m.index + end] ?? "")) continue;
      if (!ibanValid(m[0].slice(0, end).replace(/ /g, ""))) continue;
      out.push({
        type: "iban",
        detector: "iban.mod97",
        start: m.index,
        end: m.index + end,
        confidence: 0.97,
      });
    }
    return out;
  },
};
