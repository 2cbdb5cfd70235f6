/**
 * How a system prompt and an answer are compared: as words (NFKC, lower case, runs of
 * letters and digits, so punctuation, markdown and line breaks do not matter), cut into
 * sentences, and hashed. An application that will not send its prompt sends
 * `promptFingerprint(prompt)` instead: the SHA-256 of the whole prompt and of each sentence
 * of five words or more, normalised here. The definitions below are that contract: change
 * them and every stored fingerprint stops matching.
 */
import { createHash } from "node:crypto";
import { isWordChar } from "../../text/tokens.js";

/** A sentence shorter than this is too common to say anything ("Be concise."). */
export const MIN_SEGMENT_WORDS = 5;

export interface Word {
  word: string;
  start: number;
  end: number;
}

/** The words of a text with their offsets in it. */
export function wordsOf(text: string): Word[] {
  const out: Word[] = [];
  let start = -1;
  let ascii = true;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const inWord = isWordChar(c);
    if (inWord && start < 0) {
      start = i;
      ascii = true;
    }
    if (inWord && c > 127) ascii = false;
    else if (!inWord && start >= 0) {
      const raw = text.slice(start, i);
      // NFKC only when needed: plain ASCII is its own normal form.
      const word = (ascii ? raw : raw.normalize("NFKC")).toLowerCase();
      out.push({ word, start, end: i });
      start = -1;
    }
  }
  return out;
}

/** The normal form that is hashed: the words, joined by single spaces. */
export function normalForm(text: string): string {
  return wordsOf(text)
    .map((w) => w.word)
    .join(" ");
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Spans [start, end) of the sentences of a text: cut at line breaks and after . ! ? before a space. */
export function sentenceSpans(text: string): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    const ends =
      c === "\n" || ((c === "." || c === "!" || c === "?") && (next === undefined || /\s/.test(next)));
    if (ends) {
      out.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < text.length) out.push([start, text.length]);
  return out;
}

/**
 * The normal forms of a text's sentences of MIN_SEGMENT_WORDS words or more, once each,
 * from its words (`wordsOf(text)`, when the caller has them already). No word straddles
 * a sentence: both cut at characters that are not part of words.
 */
export function segmentsOf(
  text: string,
  words: readonly Word[] = wordsOf(text),
): { form: string; start: number }[] {
  const seen = new Set<string>();
  const out: { form: string; start: number }[] = [];
  let k = 0;
  for (const [a, b] of sentenceSpans(text)) {
    while (k < words.length && words[k]!.start < a) k++;
    let j = k;
    while (j < words.length && words[j]!.end <= b) j++;
    if (j - k >= MIN_SEGMENT_WORDS) {
      let form = words[k]!.word;
      for (let i = k + 1; i < j; i++) form += ` ${words[i]!.word}`;
      if (!seen.has(form)) {
        seen.add(form);
        out.push({ form, start: words[k]!.start });
      }
    }
    k = j;
  }
  return out;
}

export interface PromptFingerprint {
  /** SHA-256 (hex) of the whole prompt's normal form. */
  sha256: string;
  /** SHA-256 (hex) of each sentence of five words or more, in order. */
  segments: string[];
}

/** What to send instead of a system prompt to have its leaks found without revealing it. */
export function promptFingerprint(prompt: string): PromptFingerprint {
  return {
    sha256: sha256Hex(normalForm(prompt)),
    segments: segmentsOf(prompt).map((s) => sha256Hex(s.form)),
  };
}
