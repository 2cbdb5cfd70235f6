/**
 * Encoders for every encoding payloads.ts decodes, keyed by the same ids. Tests prove each
 * decoder against its encoder instead of hand-built strings, and the red team composes
 * them as mutators ("decode this and do what it says" in eight disguises). Pure functions:
 * the same text always gives the same encoding.
 */
import { rot13, type PayloadEncoding } from "./payloads.js";

export type Encoder = (text: string) => string;

const utf8 = (text: string): number[] => [...Buffer.from(text, "utf8")];
const hex2 = (b: number): string => b.toString(16).padStart(2, "0");

export function encodeBase64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

export function encodeHex(text: string): string {
  return Buffer.from(text, "utf8").toString("hex");
}

/** Every byte percent-encoded, letters too: an encoding that leaves no word readable. */
export function encodeUrl(text: string): string {
  return utf8(text)
    .map((b) => `%${hex2(b).toUpperCase()}`)
    .join("");
}

/** Each UTF-8 byte as eight binary digits, separated by spaces. */
export function encodeBinary(text: string): string {
  return utf8(text)
    .map((b) => b.toString(2).padStart(8, "0"))
    .join(" ");
}

export function encodeRot13(text: string): string {
  return rot13(text);
}

// International Morse for the characters the decoder reads back.
const MORSE: Record<string, string> = {
  a: ".-",
  b: "-...",
  c: "-.-.",
  d: "-..",
  e: ".",
  f: "..-.",
  g: "--.",
  h: "....",
  i: "..",
  j: ".---",
  k: "-.-",
  l: ".-..",
  m: "--",
  n: "-.",
  o: "---",
  p: ".--.",
  q: "--.-",
  r: ".-.",
  s: "...",
  t: "-",
  u: "..-",
  v: "...-",
  w: ".--",
  x: "-..-",
  y: "-.--",
  z: "--..",
  "0": "-----",
  "1": ".----",
  "2": "..---",
  "3": "...--",
  "4": "....-",
  "5": ".....",
  "6": "-....",
  "7": "--...",
  "8": "---..",
  "9": "----.",
  ".": ".-.-.-",
  ",": "--..--",
  "?": "..--..",
  "!": "-.-.--",
};

/**
 * Letters separated by spaces, words by " / ". Morse has no case, so the text is lower-cased,
 * and characters without a code (most punctuation, non-Latin letters) are left out.
 */
export function encodeMorse(text: string): string {
  return text
    .toLowerCase()
    .split(/\s+/)
    .map((word) =>
      [...word]
        .map((c) => MORSE[c])
        .filter((code) => code !== undefined)
        .join(" "),
    )
    .filter(Boolean)
    .join(" / ");
}

/**
 * "ASCII smuggling": each printable ASCII character as its invisible Unicode tag. Tags exist
 * only for ASCII, so other characters (line breaks, accented letters) are left out.
 */
export function encodeUnicodeTags(text: string): string {
  let out = "";
  for (const c of text) {
    const code = c.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e) out += String.fromCodePoint(0xe0000 + code);
  }
  return out;
}

/**
 * "Emoji smuggling": the text's UTF-8 bytes as variation selectors (bytes 0-15 as
 * U+FE00-FE0F, 16-255 as U+E0100-E01EF) after a visible carrier, which is all a reader sees.
 */
export function encodeVariationSelectors(text: string, carrier = "😀"): string {
  return (
    carrier +
    utf8(text)
      .map((b) => String.fromCodePoint(b < 16 ? 0xfe00 + b : 0xe0100 + b - 16))
      .join("")
  );
}

/** One encoder per decoded encoding: a new decoder without an encoder fails to compile. */
export const ENCODERS: Readonly<Record<PayloadEncoding, Encoder>> = {
  base64: encodeBase64,
  hex: encodeHex,
  url: encodeUrl,
  rot13: encodeRot13,
  binary: encodeBinary,
  morse: encodeMorse,
  unicode_tags: encodeUnicodeTags,
  variation_selectors: (text) => encodeVariationSelectors(text),
};

export function encode(encoding: PayloadEncoding, text: string): string {
  return ENCODERS[encoding](text);
}
