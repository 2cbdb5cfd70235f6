/**
 * Encoded payloads hidden in a text: base64, hex, URL-encoding and ROT13. Their decoded
 * text is scanned as well, because "decode this and do what it says" is a standard way
 * around keyword and model detectors alike.
 */
import { DecodeBudget } from "./decode-budget.js";
import { stripInvisible, type HiddenText } from "./invisible.js";

export type PayloadEncoding =
  "base64" | "hex" | "url" | "rot13" | "binary" | "morse" | HiddenText["encoding"];

export interface Payload {
  encoding: PayloadEncoding;
  /** Offset of the encoded run in the text it was found in. */
  offset: number;
  length: number;
  text: string;
  /** The decoded text was cut to what the decoding budget allowed. */
  truncated?: boolean;
}

/** A decoder's answer: the decoded text, cut to the characters the budget allowed. */
interface Decoded {
  text: string;
  truncated: boolean;
}

// The lookbehinds make a failed attempt cost one step per character instead of one per
// remaining character of the word: ordinary prose stays linear and cheap.
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}/g;
const HEX_RUN = /(?<![0-9a-fA-F])(?:(?:0x|\\x)?[0-9a-fA-F]{2}[ ,:]?){8,}/g;
const URL_RUN = /[^\s%]*(?:%[0-9a-fA-F]{2}[^\s%]*){3,}/g;
const BINARY_RUN = /(?:[01]{8}[ ,]?){4,}/g;
const MORSE_RUN = /(?:[.\-\u2022\u2013_]{1,7}(?:\s?\/\s?| {1,3}|$)){6,}/g;
// Common English words as they read after ROT13 ("the", "and", "you", "ignore", ...).
const ROT13_WORDS =
  /\b(?:gur|naq|lbh|lbhe|vtaber|vafgehpgvbaf|cerivbhf|nyy|flfgrz|cebzcg|cnffjbeq|frperg|nobir|ehyrf)\b/gi;

/**
 * Decoded bytes count as text when nearly all are printable and most are letters or spaces.
 * `cut` says the bytes are a prefix, so a character split at the end is dropped, not refused.
 */
function asText(bytes: Uint8Array, cut = false): string | undefined {
  if (bytes.length < 6) return undefined;
  let printable = 0;
  let wordy = 0;
  for (const b of bytes) {
    if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09 || b >= 0x80) printable++;
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x20) wordy++;
  }
  if (printable / bytes.length < 0.9 || wordy / bytes.length < 0.6) return undefined;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes, { stream: cut });
  return text.includes("\uFFFD") ? undefined : text;
}

function decoded(text: string | undefined, truncated: boolean): Decoded | undefined {
  return text === undefined ? undefined : { text, truncated };
}

function decodeBase64(run: string, max: number): Decoded | undefined {
  // Long plain words and identifiers match the alphabet too; real payloads mix classes.
  if (!/[0-9+/=_-]/.test(run) && !(/[a-z]/.test(run) && /[A-Z]/.test(run))) return undefined;
  let clean = run.replace(/=+$/, "");
  if (clean.length % 4 === 1) return undefined;
  // Four characters carry three bytes: decode only the prefix the budget pays for.
  const room = Math.floor(max / 3) * 4;
  const truncated = clean.length > room;
  if (truncated) clean = clean.slice(0, room);
  return decoded(
    asText(Buffer.from(clean.replace(/-/g, "+").replace(/_/g, "/"), "base64"), truncated),
    truncated,
  );
}

function decodeHex(run: string, max: number): Decoded | undefined {
  let digits = run.replace(/0x|\\x|[ ,:]/g, "");
  if (digits.length % 2 !== 0 || !/[0-9]/.test(digits)) return undefined;
  const truncated = digits.length > 2 * max;
  if (truncated) digits = digits.slice(0, 2 * max);
  return decoded(asText(Buffer.from(digits, "hex"), truncated), truncated);
}

function decodeUrl(run: string, max: number): Decoded | undefined {
  const truncated = run.length > max;
  // A cut inside an escape ("%" or "%4") would make the whole run invalid.
  const part = truncated ? run.slice(0, max).replace(/%[0-9a-fA-F]?$/, "") : run;
  try {
    const text = decodeURIComponent(part);
    return text === part ? undefined : { text, truncated };
  } catch {
    return undefined;
  }
}

function decodeBinary(run: string, max: number): Decoded | undefined {
  const groups = run.match(/[01]{8}/g) ?? [];
  const truncated = groups.length > max;
  const bytes = Uint8Array.from((truncated ? groups.slice(0, max) : groups).map((g) => parseInt(g, 2)));
  return decoded(asText(bytes, truncated), truncated);
}

const MORSE: Record<string, string> = {
  ".-": "a",
  "-...": "b",
  "-.-.": "c",
  "-..": "d",
  ".": "e",
  "..-.": "f",
  "--.": "g",
  "....": "h",
  "..": "i",
  ".---": "j",
  "-.-": "k",
  ".-..": "l",
  "--": "m",
  "-.": "n",
  "---": "o",
  ".--.": "p",
  "--.-": "q",
  ".-.": "r",
  "...": "s",
  "-": "t",
  "..-": "u",
  "...-": "v",
  ".--": "w",
  "-..-": "x",
  "-.--": "y",
  "--..": "z",
  "-----": "0",
  ".----": "1",
  "..---": "2",
  "...--": "3",
  "....-": "4",
  ".....": "5",
  "-....": "6",
  "--...": "7",
  "---..": "8",
  "----.": "9",
  ".-.-.-": ".",
  "--..--": ",",
  "..--..": "?",
  "-.-.--": "!",
};

function decodeMorse(run: string, max: number): Decoded | undefined {
  const norm = run.replace(/[\u2022]/g, ".").replace(/[\u2013_]/g, "-");
  const words = norm.trim().split(/\s*\/\s*|\s{3,}/);
  let unknown = 0;
  let letters = 0;
  const text = words
    .map((w) =>
      w
        .split(/\s+/)
        .filter(Boolean)
        .map((code) => {
          letters++;
          const c = MORSE[code];
          if (c === undefined) unknown++;
          return c ?? "";
        })
        .join(""),
    )
    .join(" ");
  if (letters < 6 || unknown / letters > 0.1) return undefined;
  return cutTo(text, max);
}

function cutTo(text: string, max: number): Decoded {
  return text.length > max ? { text: text.slice(0, max), truncated: true } : { text, truncated: false };
}

export function rot13(text: string): string {
  return text.replace(/[a-zA-Z]/g, (c) => {
    const base = c <= "Z" ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** Decodes each run of `pattern` while the budget lasts; false once it has run out. */
function scanRuns(
  text: string,
  pattern: RegExp,
  encoding: PayloadEncoding,
  decode: (run: string, max: number) => Decoded | undefined,
  budget: DecodeBudget,
  out: Payload[],
): boolean {
  for (const m of text.matchAll(pattern)) {
    if (!budget.canDecode()) return false;
    const run = m[0].trimEnd();
    const d = decode(run, budget.remainingChars());
    if (d !== undefined) push(out, budget, { encoding, offset: m.index, length: run.length }, d);
  }
  return true;
}

function push(
  out: Payload[],
  budget: DecodeBudget,
  where: Pick<Payload, "encoding" | "offset" | "length">,
  d: Decoded,
): void {
  budget.spend(d.text.length);
  // The part beyond the budget is not decoded: the budget remembers it, the caller reports it.
  if (d.truncated) budget.stop("decoded_chars");
  out.push(d.truncated ? { ...where, text: d.text, truncated: true } : { ...where, text: d.text });
}

/** Per ASCII character: 1 base64 alphabet, 2 hex digit, 4 separator allowed inside a hex run. */
const RUN_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const digit = c >= 48 && c <= 57;
  if (digit || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 43 || c === 47 || c === 95 || c === 45)
    RUN_CLASS[c]! |= 1;
  if (digit || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) RUN_CLASS[c]! |= 2;
  else if (c === 32 || c === 44 || c === 58 || c === 120 || c === 92) RUN_CLASS[c]! |= 4;
}

/**
 * Which encoded runs could be present: one pass over the characters (a table lookup each,
 * half the cost of comparing ranges), so ordinary prose (almost all traffic) skips the
 * base64 and hex patterns entirely. A regular expression for 16 base64 characters in a
 * row cost four times as much on prose.
 */
function candidateRuns(text: string): { base64: boolean; hex: boolean } {
  let base64Run = 0;
  let hexDigits = 0;
  let base64 = false;
  let hex = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const k = c < 128 ? RUN_CLASS[c]! : 0;
    if (k & 1) {
      if (++base64Run >= 16) {
        base64 = true;
        if (hex) break;
      }
    } else base64Run = 0;
    if (k & 2) {
      if (++hexDigits >= 16) {
        hex = true;
        if (base64) break;
      }
    } else if (!(k & 4)) hexDigits = 0;
  }
  return { base64, hex };
}

/**
 * Every payload found in `text`, with offsets into it, as far as `budget` allows (it is
 * charged for what is decoded here; a fresh per-text budget when none is given). Cheap on
 * ordinary prose: each pattern is a single linear scan and only candidate runs are decoded.
 */
export function findPayloads(text: string, budget: DecodeBudget = new DecodeBudget()): Payload[] {
  const out: Payload[] = [];
  for (const h of stripInvisible(text).hidden) {
    if (!budget.canDecode()) return out;
    push(
      out,
      budget,
      { encoding: h.encoding, offset: h.offset, length: h.text.length },
      cutTo(h.text, budget.remainingChars()),
    );
  }
  const candidates = candidateRuns(text);
  if (candidates.base64 && !scanRuns(text, BASE64_RUN, "base64", decodeBase64, budget, out)) return out;
  if (candidates.hex && !scanRuns(text, HEX_RUN, "hex", decodeHex, budget, out)) return out;
  if (text.includes("%") && !scanRuns(text, URL_RUN, "url", decodeUrl, budget, out)) return out;
  if (
    (text.includes("0000") || text.includes("1 0") || text.includes("01")) &&
    !scanRuns(text, BINARY_RUN, "binary", decodeBinary, budget, out)
  )
    return out;
  if (
    (text.includes(".-") || text.includes("-.") || text.includes("\u2022")) &&
    !scanRuns(text, MORSE_RUN, "morse", decodeMorse, budget, out)
  )
    return out;
  const rotHits = text.match(ROT13_WORDS);
  if (rotHits && rotHits.length >= 2 && budget.canDecode()) {
    const d = cutTo(text, budget.remainingChars());
    push(out, budget, { encoding: "rot13", offset: 0, length: text.length }, { ...d, text: rot13(d.text) });
  }
  return out;
}
