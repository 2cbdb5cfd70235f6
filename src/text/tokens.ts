/**
 * Words and their hashes, exactly as the built-in model sees them. Features, rule triggers
 * and the training split must agree on what a word is and what it hashes to, so the one
 * definition lives here, below all three.
 */

/** FNV-1a parameters; the feature extractor inlines the same loop on its hot path. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** ASCII letters and digits and letters of other scripts; punctuation and symbols separate words. */
export function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
  // Latin-1 punctuation, general and CJK punctuation are separators; other letters are word chars.
  if (c < 0xc0) return false;
  if (c >= 0x2000 && c <= 0x2bff) return false;
  if (c >= 0x3000 && c <= 0x303f) return false;
  if (c >= 0xff00 && c <= 0xff0f) return false;
  return c !== 0xd7 && c !== 0xf7;
}

export function hashString(s: string, seed: number): number {
  let h = FNV_OFFSET ^ seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Word tokens exactly as the extractor sees them, for rule triggers and tests. */
export function wordTokens(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const w = i < text.length && isWordChar(text.charCodeAt(i));
    if (w && start < 0) start = i;
    else if (!w && start >= 0) {
      out.push(text.slice(start, i));
      start = -1;
    }
  }
  return out;
}

/** The hash the extractor gives a word; rule triggers and embedding lookups compare against it. */
export function wordHash(word: string): number {
  return hashString(word, 0);
}
