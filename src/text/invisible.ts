/**
 * Invisible characters: the cheapest way to smuggle instructions past a detector.
 * Zero-width and bidi controls are dropped (they split trigger words); Unicode tag
 * characters and runs of variation selectors carry whole hidden texts ("ASCII smuggling",
 * "emoji smuggling"), which are decoded so the hidden text is scanned too.
 */

export interface HiddenText {
  encoding: "unicode_tags" | "variation_selectors";
  offset: number;
  text: string;
}

export interface InvisibleScan {
  text: string;
  removed: { zeroWidth: number; bidi: number; tags: number; selectors: number };
  hidden: HiddenText[];
}

// Zero-width, joiners, word joiner and invisible operators, BOM, soft hyphen, Mongolian vowel
// separator, combining grapheme joiner, Hangul fillers.
const ZERO_WIDTH = /[\u200B-\u200D\u2060-\u2064\uFEFF\u00AD\u180E\u034F\u115F\u1160\u3164\uFFA0]/;
// Bidi embeddings, overrides, isolates and marks (Trojan Source).
const BIDI = /[\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C]/;
// Quick test: does the text hold anything this module must handle?
const ANY_INVISIBLE =
  /[\u200B-\u200F\u2060-\u2064\uFEFF\u00AD\u180E\u034F\u115F\u1160\u3164\uFFA0\u202A-\u202E\u2066-\u2069\u061C\uFE00-\uFE0F]|\uDB40[\uDC00-\uDDEF]/;

export function hasInvisible(text: string): boolean {
  return ANY_INVISIBLE.test(text);
}

/** Byte value of a variation selector in the emoji-smuggling scheme, or -1. */
function selectorByte(cp: number): number {
  if (cp >= 0xfe00 && cp <= 0xfe0f) return cp - 0xfe00;
  if (cp >= 0xe0100 && cp <= 0xe01ef) return cp - 0xe0100 + 16;
  return -1;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * Removes invisible characters and decodes hidden payloads. Tag characters map 1:1 to
 * ASCII and are kept inline (an LLM reads them in place); variation-selector runs of four
 * or more are decoded as UTF-8 bytes (a single VS16 after an emoji is ordinary).
 */
export function stripInvisible(text: string): InvisibleScan {
  const removed = { zeroWidth: 0, bidi: 0, tags: 0, selectors: 0 };
  const hidden: HiddenText[] = [];
  if (!ANY_INVISIBLE.test(text)) return { text, removed, hidden };

  let out = "";
  let tagRun = "";
  let tagStart = -1;
  let bytes: number[] = [];
  let bytesStart = -1;

  const flushTags = () => {
    if (tagRun) hidden.push({ encoding: "unicode_tags", offset: tagStart, text: tagRun });
    tagRun = "";
  };
  const flushSelectors = () => {
    if (bytes.length >= 4) {
      const decoded = utf8.decode(Uint8Array.from(bytes));
      hidden.push({ encoding: "variation_selectors", offset: bytesStart, text: decoded });
    }
    bytes = [];
  };

  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = width === 2 ? text.slice(i, i + 2) : text[i]!;
    if (cp >= 0xe0000 && cp <= 0xe007f) {
      removed.tags++;
      if (cp >= 0xe0020 && cp <= 0xe007e) {
        if (!tagRun) tagStart = i;
        const ascii = String.fromCharCode(cp - 0xe0000);
        tagRun += ascii;
        out += ascii;
      }
    } else {
      flushTags();
      const b = selectorByte(cp);
      if (b >= 0) {
        removed.selectors++;
        if (bytes.length === 0) bytesStart = i;
        bytes.push(b);
      } else {
        flushSelectors();
        if (ZERO_WIDTH.test(ch)) removed.zeroWidth++;
        else if (BIDI.test(ch)) removed.bidi++;
        else out += ch;
      }
    }
    i += width - 1;
  }
  flushTags();
  flushSelectors();
  return { text: out, removed, hidden };
}
