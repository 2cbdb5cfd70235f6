/**
 * Payment card numbers: 13 to 19 digits, optionally grouped by spaces or hyphens, that
 * pass the Luhn checksum and start like a card of a known scheme. The checksum is what
 * keeps order numbers and phone numbers out: one random digit string in ten passes it,
 * and the scheme prefix removes most of the rest.
 */
import type { PiiDetector, PiiFinding } from "../types.js";

/**
 * Not inside a longer run of letters and digits or after a decimal point: hex-encoded
 * payloads and long decimals are full of Luhn-valid digit runs (a spot check of the
 * bundled corpus found nothing else among its "cards").
 */
const CANDIDATE = /(?<![\dA-Za-z.,-])\d(?:[ -]?\d){12,18}(?![\dA-Za-z-])/g;
/** Visa, Mastercard (51-55, 2221-2720), Amex, Discover, Diners, JCB, UnionPay, Maestro. */
const SCHEME =
  /^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|6(?:011|5|4[4-9]|2)|3(?:0[0-5]|[68])|35|5[06-9]|6)/;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export const cardDetector: PiiDetector = {
  id: "card",
  type: "card",
  find(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    for (const m of text.matchAll(CANDIDATE)) {
      const digits = m[0].replace(/[ -]/g, "");
      if (digits.length < 13 || digits.length > 19) continue;
      if (!SCHEME.test(digits) || !luhnValid(digits)) continue;
      if (/^(\d)\1+$/.test(digits)) continue;
      out.push({
        type: "card",
        detector: "card.luhn",
        start: m.index,
        end: m.index + m[0].length,
        confidence: 0.95,
      });
    }
    return out;
  },
};
