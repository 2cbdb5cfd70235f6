/**
 * Which words of a flagged window drove its score, so a person can see why and act on it.
 * The model is linear, so a word's part is exact for the features that lie inside it: its
 * character n-grams (at the window's scale) and its unigram. N-grams across word
 * boundaries, bigrams, rules and word vectors are left out: they belong to no single word.
 * Computed only for flagged texts, on the worst window.
 */
import { isWordChar } from "../text/tokens.js";
import type { FeatureExtractor, FeatureVector } from "./features.js";
import type { BuiltinModel } from "./model.js";

export interface TermContribution {
  term: string;
  /** What the word adds to the window's logit. */
  weight: number;
}

/** Words considered per window: a window holds about 200 at most; this bounds a pathological one. */
const MAX_WORDS = 2000;

/** The `limit` words of a window's normal form that add most to its logit (positive parts only). */
export function topTerms(
  model: BuiltinModel,
  extractor: FeatureExtractor,
  normalized: string,
  window: FeatureVector,
  limit: number,
): TermContribution[] {
  const parts = new Map<string, number>();
  for (const term of words(normalized)) {
    if (parts.has(term)) continue;
    parts.set(term, extractor.wordWeight(model.weights, term, window.charScale, window.wordScale));
    if (parts.size >= MAX_WORDS) break;
  }
  return [...parts]
    .filter(([, w]) => w > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([term, weight]) => ({ term, weight }));
}

function* words(text: string): Generator<string> {
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const inWord = i < text.length && isWordChar(text.charCodeAt(i));
    if (inWord && start < 0) start = i;
    else if (!inWord && start >= 0) {
      yield text.slice(start, i);
      start = -1;
    }
  }
}
