/**
 * Has the answer repeated the system prompt? Given the prompt's text, three measures:
 * - the whole prompt (as words) appears in the answer;
 * - its sentences of five words or more appear in the answer;
 * - word 8-grams: the share of the prompt's 8-word sequences the answer repeats, and the
 *   longest verbatim run, which catches a prompt leaked in part or with its sentences
 *   re-cut. An answer that quotes a phrase of seven words does not count.
 * Given only hashes (`promptFingerprint`), nothing can be searched, only compared: the
 * whole prompt is found when the answer, one of its paragraphs, fenced code blocks,
 * blockquotes, lines or sentences, or a paragraph from one of its lines to its end (or
 * from its start to one of its lines) is exactly the prompt; a sentence is found when one
 * of the answer's sentences is exactly it. A paraphrase, a translation, or a sentence with
 * words added inside it is not found by hash, nor is a whole prompt of fewer than five
 * words. The spans hashed add up to at most four times the answer's length (and 64 Ki),
 * the likely ones first, so one paragraph of thousands of lines cannot take long.
 */
import {
  MIN_SEGMENT_WORDS,
  segmentsOf,
  sentenceSpans,
  sha256Hex,
  wordsOf,
  type Word,
} from "./prompt-text.js";
import { fencedBlocks } from "./fences.js";
import type { OutputEvidence, PromptLeakReport, SystemPromptRef } from "./types.js";

const N = 8;

interface Finding {
  id: string;
  score: number;
  description: string;
  offset: number;
  end: number;
}

export interface PromptLeak {
  report: PromptLeakReport;
  evidence: OutputEvidence[];
}

/**
 * The answer's words joined by spaces (its normal form, with a space at each end), and
 * where each word starts in the join: a span's normal form is then one slice, and a match
 * in the join maps back to an offset in the answer.
 */
class Joined {
  readonly text: string;
  private readonly at: Int32Array;

  constructor(readonly words: readonly Word[]) {
    this.at = new Int32Array(words.length);
    const parts = [" "];
    let length = 1;
    words.forEach((w, i) => {
      this.at[i] = length;
      parts.push(w.word, " ");
      length += w.word.length + 1;
    });
    this.text = parts.join("");
  }

  /** The first word that starts at or after `offset`, or the count of words. */
  private firstFrom(offset: number): number {
    let lo = 0;
    let hi = this.words.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.words[mid]!.start < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The words wholly inside [from, to) of the answer, as [first, last] indexes (last < first: none). */
  wordsIn(from: number, to: number): [number, number] {
    const i = this.firstFrom(from);
    let lo = i;
    let hi = this.words.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.words[mid]!.end <= to) lo = mid + 1;
      else hi = mid;
    }
    return [i, lo - 1];
  }

  /** The normal form of words first..last. */
  form(first: number, last: number): string {
    return this.text.slice(this.at[first], this.at[last]! + this.words[last]!.word.length);
  }

  /** The offset in the answer of the word at `pos` in the join. */
  offsetAt(pos: number): number {
    let lo = 0;
    let hi = this.at.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.at[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return this.words[lo]?.start ?? 0;
  }
}

/**
 * Spans of the answer that could be the whole prompt, exactly (see the header), the likely
 * ones first: the paragraph suffixes and prefixes come last, since their count grows with
 * the square of a paragraph's lines and the caller stops at its budget.
 */
function* wholeCandidates(output: string): Generator<[number, number]> {
  yield [0, output.length];
  const lineStarts = [0];
  for (let i = output.indexOf("\n"); i >= 0; i = output.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const lineEnd = (k: number) => (k + 1 < lineStarts.length ? lineStarts[k + 1]! - 1 : output.length);
  // Paragraphs: runs of lines between blank lines, as [first line, last line].
  const paragraphs: [number, number][] = [];
  let first = 0;
  for (let k = 0; k <= lineStarts.length; k++) {
    const blank = k === lineStarts.length || output.slice(lineStarts[k]!, lineEnd(k)).trim() === "";
    if (!blank) continue;
    if (k > first) paragraphs.push([first, k - 1]);
    first = k + 1;
  }
  for (const [a, b] of paragraphs) yield [lineStarts[a]!, lineEnd(b)];
  for (const f of fencedBlocks(output)) yield [f.contentStart, f.contentEnd];
  for (const m of output.matchAll(/(?:^[ \t]*>[^\n]*(?:\n|$))+/gm)) yield [m.index, m.index + m[0].length];
  for (let k = 0; k < lineStarts.length; k++) yield [lineStarts[k]!, lineEnd(k)];
  yield* sentenceSpans(output);
  for (const [a, b] of paragraphs)
    for (let j = a + 1; j <= b; j++) {
      yield [lineStarts[j]!, lineEnd(b)];
      yield [lineStarts[a]!, lineEnd(j - 1)];
    }
}

function byHash(output: string, joined: Joined, prompt: SystemPromptRef) {
  const found: Finding[] = [];
  // Each span's hash, by its first and last word: a sentence is a candidate for the whole
  // prompt and for one of its sentences, and is hashed once for both.
  const hashes = new Map<number, string>();
  const hashOf = (first: number, last: number): string => {
    const key = first * 4_194_304 + last;
    let h = hashes.get(key);
    if (h === undefined) hashes.set(key, (h = sha256Hex(joined.form(first, last))));
    return h;
  };
  const segments = new Set((prompt.segments ?? []).map((h) => h.toLowerCase()));
  const matched = new Map<string, number>();
  if (segments.size > 0)
    for (const [a, b] of sentenceSpans(output)) {
      const [first, last] = joined.wordsIn(a, b);
      if (last - first + 1 < MIN_SEGMENT_WORDS) continue;
      const h = hashOf(first, last);
      if (segments.has(h) && !matched.has(h)) matched.set(h, joined.words[first]!.start);
    }
  if (prompt.sha256) {
    const target = prompt.sha256.toLowerCase();
    // Hashing is bounded: four times the answer's length covers every candidate of an
    // ordinary answer; a single paragraph of thousands of lines is cut short.
    let budget = 4 * output.length + 65_536;
    for (const [a, b] of wholeCandidates(output)) {
      const [first, last] = joined.wordsIn(a, b);
      // A span of fewer words than a sentence that counts is not compared (nor is a prompt that short).
      if (last - first + 1 < MIN_SEGMENT_WORDS) continue;
      if (!hashes.has(first * 4_194_304 + last) && (budget -= joined.form(first, last).length) < 0) break;
      if (hashOf(first, last) === target) {
        found.push(wholeFinding(a, b));
        break;
      }
    }
  }
  const f = segmentFinding(matched.size, segments.size, [...matched.values()]);
  if (f) found.push(f);
  return { found, segments: { total: segments.size, matched: matched.size } };
}

function wholeFinding(start: number, end: number): Finding {
  return {
    id: "prompt.whole",
    score: 0.95,
    description: "the answer repeats the whole system prompt",
    offset: start,
    end,
  };
}

function segmentFinding(matched: number, total: number, starts: number[]): Finding | undefined {
  if (matched === 0) return undefined;
  const score =
    total === 1 || (matched >= 2 && matched / total >= 0.5)
      ? 0.9
      : matched >= 3
        ? 0.8
        : matched === 2
          ? 0.7
          : 0.45;
  const first = Math.min(...starts);
  return {
    id: "prompt.sentences",
    score,
    description: `the answer repeats ${matched} of the system prompt's ${total} sentences of five words or more`,
    offset: first,
    end: first + 120,
  };
}

interface NgramOverlap {
  coverage: number;
  longest: number;
  start: number;
  end: number;
}

/**
 * What the answer is compared with, worked out once per prompt: an application sends the
 * same system prompt with every answer, and its words, sentences and 8-grams cost more
 * than the comparison itself.
 */
interface PromptModel {
  words: number;
  whole: string;
  /** Its sentences of five words or more, as word numbers. */
  segments: number[][];
  /** Each distinct word of the prompt, numbered. */
  ids: Map<string, number>;
  /** Its 8-grams as the word numbers joined by commas. */
  grams: Set<string>;
}

const promptCache = new Map<string, PromptModel>();
const PROMPT_CACHE_SIZE = 64;

function promptModel(text: string): PromptModel {
  const cached = promptCache.get(text);
  if (cached) return cached;
  const words = wordsOf(text);
  const ids = new Map<string, number>();
  const promptIds = words.map((w) => {
    let id = ids.get(w.word);
    if (id === undefined) ids.set(w.word, (id = ids.size));
    return id;
  });
  const grams = new Set<string>();
  for (let i = 0; i + N <= promptIds.length; i++) grams.add(promptIds.slice(i, i + N).join(","));
  const model: PromptModel = {
    words: words.length,
    whole: words.map((w) => w.word).join(" "),
    segments: segmentsOf(text, words).map((seg) => seg.form.split(" ").map((w) => ids.get(w)!)),
    ids,
    grams,
  };
  if (promptCache.size >= PROMPT_CACHE_SIZE) promptCache.clear();
  promptCache.set(text, model);
  return model;
}

/** Calls `fn(from)` for each window of `n` answer words that are all words of the prompt. */
function knownWindows(outIds: readonly number[], n: number, fn: (from: number) => void): void {
  // `unknownAt`: the last position of a word the prompt lacks; no window can span it.
  let unknownAt = -1;
  for (let i = 0; i < outIds.length; i++) {
    if (outIds[i] === -1) unknownAt = i;
    const from = i - n + 1;
    if (from >= 0 && unknownAt < from) fn(from);
  }
}

/**
 * Where each of the prompt's sentences appears in the answer (as word positions; -1: it
 * does not). Found through the answer's 5-word windows, indexed once: searching the answer
 * for each sentence in turn costs the answer's length per sentence.
 */
function sentencePositions(prompt: PromptModel, outIds: readonly number[]): number[] {
  const k = MIN_SEGMENT_WORDS;
  const windows = new Map<string, number[]>();
  knownWindows(outIds, k, (from) => {
    const key = outIds.slice(from, from + k).join(",");
    const list = windows.get(key);
    if (list) list.push(from);
    else windows.set(key, [from]);
  });
  return prompt.segments.map((seg) => {
    for (const at of windows.get(seg.slice(0, k).join(",")) ?? []) {
      let i = k;
      while (i < seg.length && outIds[at + i] === seg[i]) i++;
      if (i === seg.length) return at;
    }
    return -1;
  });
}

/** The share of the prompt's word 8-grams found in the answer, and the longest verbatim run. */
function ngramOverlap(
  prompt: PromptModel,
  outputWords: readonly Word[],
  outIds: readonly number[],
): NgramOverlap {
  const { grams } = prompt;
  const found = new Set<string>();
  let longest = 0;
  let bestStart = 0;
  let run = 0;
  let last = -2;
  knownWindows(outIds, N, (from) => {
    const key = outIds.slice(from, from + N).join(",");
    if (!grams.has(key)) return;
    found.add(key);
    // Consecutive windows that all hit make one verbatim run.
    run = from === last + 1 ? run + 1 : 1;
    last = from;
    if (run + N - 1 > longest) {
      longest = run + N - 1;
      bestStart = from - run + 1;
    }
  });
  return {
    coverage: grams.size === 0 ? 0 : found.size / grams.size,
    longest,
    start: longest ? outputWords[bestStart]!.start : 0,
    end: longest ? outputWords[bestStart + longest - 1]!.end : 0,
  };
}

function byText(joined: Joined, text: string) {
  const found: Finding[] = [];
  const prompt = promptModel(text);
  const offsetOf = (pos: number) => joined.offsetAt(pos);
  const whole = prompt.whole;
  const wholeAt = whole ? joined.text.indexOf(` ${whole} `) : -1;
  if (wholeAt >= 0) found.push(wholeFinding(offsetOf(wholeAt + 1), offsetOf(wholeAt + whole.length)));

  const outIds = joined.words.map((w) => prompt.ids.get(w.word) ?? -1);
  const segments = prompt.segments;
  const starts = sentencePositions(prompt, outIds)
    .filter((at) => at >= 0)
    .map((at) => joined.words[at]!.start);
  const sentenceFinding = segmentFinding(starts.length, segments.length, starts);
  if (sentenceFinding) found.push(sentenceFinding);

  let overlap: NgramOverlap | undefined;
  if (prompt.words >= N) {
    overlap = ngramOverlap(prompt, joined.words, outIds);
    const { coverage, longest } = overlap;
    const score =
      coverage >= 0.5
        ? 0.95
        : longest >= 40
          ? 0.9
          : coverage >= 0.25 || longest >= 20
            ? 0.75
            : longest >= 12
              ? 0.55
              : longest >= N
                ? 0.35
                : 0;
    if (score > 0)
      found.push({
        id: "prompt.verbatim",
        score,
        description: `the answer repeats ${longest} words of the system prompt verbatim (${Math.round(coverage * 100)}% of its 8-word sequences)`,
        offset: overlap.start,
        end: overlap.end,
      });
  }
  return {
    found,
    whole: wholeAt >= 0,
    segments: { total: segments.length, matched: starts.length },
    overlap,
  };
}

export function findPromptLeak(output: string, prompt: SystemPromptRef): PromptLeak {
  const joined = new Joined(wordsOf(output));
  let report: PromptLeakReport;
  let found: Finding[];
  if (prompt.text !== undefined) {
    const r = byText(joined, prompt.text);
    found = r.found;
    report = {
      by: "text",
      whole: r.whole,
      segments: r.segments,
      ngramCoverage: r.overlap ? Math.round(r.overlap.coverage * 1000) / 1000 : null,
      longestRunWords: r.overlap ? r.overlap.longest : null,
    };
  } else {
    const r = byHash(output, joined, prompt);
    found = r.found;
    report = {
      by: "hash",
      whole: found.some((f) => f.id === "prompt.whole"),
      segments: r.segments,
      ngramCoverage: null,
      longestRunWords: null,
    };
  }
  const evidence: OutputEvidence[] = found.map((f) => ({
    kind: "prompt_leak",
    id: f.id,
    category: "system_extraction",
    description: f.description,
    offset: f.offset,
    excerpt: output.slice(f.offset, Math.min(f.end, f.offset + 120)),
    score: f.score,
  }));
  return { report, evidence };
}
