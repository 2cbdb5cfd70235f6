/**
 * Encoded payloads hidden in a text: base64, hex, URL-encoding and ROT13. Their decoded
 * text is scanned as well, because "decode this and do what it says" is a standard way
 * around keyword and model detectors alike.
 */
import { stripInvisible, type HiddenText } from "./invisible.js";

export type PayloadEncoding =
  "base64" | "hex" | "url" | "rot13" | "binary" | "morse" | HiddenText["encoding"];

export interface Payload {
  encoding: PayloadEncoding;
  /** Offset of the encoded run in the text it was found in. */
  offset: number;
  length: number;
  text: string;
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

/** Decoded bytes count as text when nearly all are printable and most are letters or spaces. */
function asText(bytes: Uint8Array): string | undefined {
  if (bytes.length < 6) return undefined;
  let printable = 0;
  let wordy = 0;
  for (const b of bytes) {
    if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09 || b >= 0x80) printable++;
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x20) wordy++;
  }
  if (printable / bytes.length < 0.9 || wordy / bytes.length < 0.6) return undefined;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return text.includes("\uFFFD") ? undefined : text;
}

function decodeBase64(run: string): string | undefined {
  // Long plain words and identifiers match the alphabet too; real payloads mix classes.
  if (!/[0-9+/=_-]/.test(run) && !(/[a-z]/.test(run) && /[A-Z]/.test(run))) return undefined;
  const clean = run.replace(/=+$/, "");
  if (clean.length % 4 === 1) return undefined;
  return asText(Buffer.from(clean.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
}

function decodeHex(run: string): string | undefined {
  const digits = run.replace(/0x|\\x|[ ,:]/g, "");
  if (digits.length % 2 !== 0 || !/[0-9]/.test(digits)) return undefined;
  return asText(Buffer.from(digits, "hex"));
}

function decodeUrl(run: string): string | undefined {
  try {
    const decoded = decodeURIComponent(run);
    return decoded === run ? undefined : decoded;
  } catch {
    return undefined;
  }
}

function decodeBinary(run: string): string | undefined {
  const groups = run.match(/[01]{8}/g) ?? [];
  return asText(Uint8Array.from(groups.map((g) => parseInt(g, 2))));
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

function decodeMorse(run: string): string | undefined {
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
  return text;
}

export function rot13(text: string): string {
  return text.replace(/[a-zA-Z]/g, (c) => {
    const base = c <= "Z" ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

function scanRuns(
  text: string,
  pattern: RegExp,
  encoding: PayloadEncoding,
  decode: (run: string) => string | undefined,
  out: Payload[],
): void {
  for (const m of text.matchAll(pattern)) {
    const run = m[0].trimEnd();
    const decoded = decode(run);
    if (decoded !== undefined) out.push({ encoding, offset: m.index, length: run.length, text: decoded });
  }
}

/**
 * Which encoded runs could be present: one pass over the characters, so ordinary prose
 * (almost all traffic) skips the base64 and hex patterns entirely.
 */
function candidateRuns(text: string): { base64: boolean; hex: boolean } {
  let base64Run = 0;
  let hexDigits = 0;
  let base64 = false;
  let hex = false;
  for (let i = 0; i < text.length && !(base64 && hex); i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    const lower = c >= 97 && c <= 122;
    const upper = c >= 65 && c <= 90;
    if (digit || lower || upper || c === 43 || c === 47 || c === 95 || c === 45) {
      if (++base64Run >= 16) base64 = true;
    } else base64Run = 0;
    if (digit || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
      if (++hexDigits >= 16) hex = true;
    } else if (c !== 32 && c !== 44 && c !== 58 && c !== 120 && c !== 92) hexDigits = 0;
  }
  return { base64, hex };
}

/**
 * Every payload found in `text`, with offsets into it. Cheap on ordinary prose: each
 * pattern is a single linear scan and only candidate runs are decoded.
 */
export function findPayloads(text: string): Payload[] {
  const out: Payload[] = [];
  for (const h of stripInvisible(text).hidden) {
    out.push({ encoding: h.encoding, offset: h.offset, length: h.text.length, text: h.text });
  }
  const candidates = candidateRuns(text);
  if (candidates.base64) scanRuns(text, BASE64_RUN, "base64", decodeBase64, out);
  if (candidates.hex) scanRuns(text, HEX_RUN, "hex", decodeHex, out);
  if (text.includes("%")) scanRuns(text, URL_RUN, "url", decodeUrl, out);
  if (text.includes("0000") || text.includes("1 0") || text.includes("01"))
    scanRuns(text, BINARY_RUN, "binary", decodeBinary, out);
  if (text.includes(".-") || text.includes("-.") || text.includes("\u2022"))
    scanRuns(text, MORSE_RUN, "morse", decodeMorse, out);
  const rotHits = text.match(ROT13_WORDS);
  if (rotHits && rotHits.length >= 2)
    out.push({ encoding: "rot13", offset: 0, length: text.length, text: rot13(text) });
  return out;
}
