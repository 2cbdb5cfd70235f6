/** E-mail addresses: a local part, an @ and a dotted domain with a letters-only top level. */
import type { PiiDetector, PiiFinding } from "../types.js";

const EMAIL = /[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b/g;

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
