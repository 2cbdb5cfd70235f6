/**
 * E-mail addresses: a local part, an @ and a dotted domain with a letters-only top level.
 * The local part may hold any letter (RFC 6531: `aurélie.roux@...`), so an accented name
 * is not cut in half; the domain stays ASCII (internationalised domains are written in
 * punycode in most texts that reach us).
 */
import type { PiiDetector, PiiFinding } from "../types.js";

const EMAIL =
  /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b/gu;

export const emailDetector: PiiDetector = {
  id: "email",
  type: "email",
  find(text: string): PiiFinding[] {
    if (!text.includes("@")) return [];
    const out: PiiFinding[] = [];
    for (const m of text.matchAll(EMAIL)) {
      out.push({
        type: "email",
        detector: "email",
        start: m.index,
        end: m.index + m[0].length,
        confidence: 0.98,
      });
    }
    return out;
  },
};
