/**
 * IP addresses, which identify a person's connection (GDPR recital 30). IPv4: four
 * decimal octets of at most 255 without leading zeros, not part of a longer dotted run
 * and not after "v", "version", "release" (a version `1.2.3.4` is no address); an address
 * whose octets are all one digit reads like a version and gets a low confidence (below
 * the default threshold) unless a cue ("IP", "server", "host", "from"...) comes before it.
 * Loopback, private and link-local addresses are found with a lower confidence: they name
 * a machine on a network rather than a person, but still say something about it.
 * IPv6: any text of hex groups and colons that node:net `isIP` accepts, with at least
 * four hex digits, so that `a::b` in C++ or Rust code and times like `10:30:45` are not
 * taken for addresses.
 */
import { isIP } from "node:net";
import type { PiiDetector, PiiFinding } from "../types.js";
import { cueBefore } from "./context.js";

const V4 = /(?<![\w.-])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w-]|\.\d)/g;
const V6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g;
const VERSION_CUE = /(?:\bv|\bversion|\brelease|\bbuild|\bver\.?)\s*$/;
const ADDRESS_CUE = /(?:\bip\b|address|host|server|\baddr|from|connect|client|dns|gateway|ping)/;

function octetsValid(parts: string[]): boolean {
  return parts.every((p) => Number(p) <= 255 && (p.length === 1 || p[0] !== "0"));
}

function privateV4(a: number, b: number): boolean {
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254)
  );
}

export const ipDetector: PiiDetector = {
  id: "ip",
  type: "ip",
  find(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    if (text.includes(".")) {
      for (const m of text.matchAll(V4)) {
        const parts = [m[1]!, m[2]!, m[3]!, m[4]!];
        if (!octetsValid(parts)) continue;
        if (VERSION_CUE.test(text.slice(Math.max(0, m.index - 12), m.index).toLowerCase())) continue;
        const oneDigit = parts.every((p) => p.length === 1);
        let confidence = oneDigit ? 0.45 : privateV4(Number(parts[0]), Number(parts[1])) ? 0.7 : 0.9;
        if (cueBefore(text, m.index, ADDRESS_CUE, 24)) confidence = Math.min(0.95, confidence + 0.2);
        out.push({ type: "ip", detector: "ip.v4", start: m.index, end: m.index + m[0].length, confidence });
      }
    }
    if (text.includes("::") || /:[0-9A-Fa-f]{1,4}:/.test(text)) {
      for (const m of text.matchAll(V6)) {
        const value = m[0];
        if (isIP(value) !== 6) continue;
        const hex = value.replace(/[^0-9A-Fa-f]/g, "").length;
        if (hex < 4) continue;
        const loopback = /^(?:0{0,4}:){2,7}0{0,3}1$/.test(value) || value === "::1";
        out.push({
          type: "ip",
          detector: "ip.v6",
          start: m.index,
          end: m.index + value.length,
          confidence: loopback ? 0.6 : 0.9,
        });
      }
    }
    return out;
  },
};
