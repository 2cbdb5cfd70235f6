/**
 * The skeleton of a text: its letters and digits only, lower-cased, with full-width and
 * look-alike letters folded to Latin, and for each skeleton character the offset of the
 * character it came from. A secret searched for in the skeleton is found however it was
 * disguised with case, spaces, dashes, line breaks, zero-width characters or homoglyphs
 * ("B W - c a n a r y", "bw‑cаnary" with a Cyrillic а), and still located in the original.
 */
import { latinLookalike } from "../../text/confusables.js";

export interface Skeleton {
  text: string;
  /** offsets[i]: where skeleton character i came from in the original text. */
  offsets: ArrayLike<number>;
}

const PLAIN_ASCII = /^[\x00-\x7f]*$/;

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122);
}

export function skeletonOf(text: string): Skeleton {
  if (PLAIN_ASCII.test(text)) {
    // The common case, in typed arrays: a string built a character at a time costs 5x more.
    const bytes = new Uint8Array(text.length);
    const offsets = new Int32Array(text.length);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 65 && c <= 90) c += 32;
      if (isAlnum(c)) {
        bytes[n] = c;
        offsets[n++] = i;
      }
    }
    return { text: Buffer.from(bytes.buffer, 0, n).toString("latin1"), offsets: offsets.subarray(0, n) };
  }
  const offsets: number[] = [];
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = text.slice(i, i + width);
    // NFKC first (full-width "ａ", circled "①"), then a look-alike table for the rest.
    for (const part of cp < 128 ? ch : ch.normalize("NFKC")) {
      const lower = part.toLowerCase();
      const c = lower.charCodeAt(0);
      const mapped = lower.length === 1 && isAlnum(c) ? lower : latinLookalike(part.codePointAt(0)!);
      if (mapped === undefined) continue;
      for (const m of mapped) {
        out += m;
        offsets.push(i);
      }
    }
    i += width - 1;
  }
  return { text: out, offsets };
}

/** The skeleton of a short string (a token), without offsets. */
export function skeletonText(text: string): string {
  return skeletonOf(text).text;
}
