/**
 * Hashed features of normalised text: character n-grams (robust to spelling, morphology
 * and unseen words), word unigrams and bigrams (phrasing), and named extras (obfuscation
 * signals, rule hits, shape buckets). Everything is hashed into 2^bits buckets with no
 * vocabulary, so training streams and inference allocates nothing per text.
 *
 * Features are binary (present or not: a phrase repeated fifty times is not fifty times
 * more suspicious) and each group is scaled by 1/sqrt(its number of distinct features),
 * i.e. L2-normalised, so a long window and a short one land on a comparable scale. The
 * scales are part of the model's definition, shared by training and inference through
 * this one module.
 */
import { endianness } from "node:os";
import { IntegrityError } from "../core/errors.js";
import { FNV_OFFSET, FNV_PRIME, hashString, isWordChar } from "../text/tokens.js";
import { knownRows, loadEmbeddings, meanOfRows, type EmbeddingTable } from "./embeddings.js";

export interface FeatureConfig {
  bits: number;
  charMin: number;
  charMax: number;
  wordBigrams: boolean;
  /**
   * Pseudo-counts added to each group's size before normalising: a three-word text should
   * not be judged as confidently as a paragraph, so short texts shrink towards the bias.
   */
  charShrink: number;
  wordShrink: number;
  /** Length and word-length buckets as features (off: they mostly encode where data came from). */
  lengthFeatures: boolean;
  /**
   * Framing and harmful-topic cues and their conjunction as features (see framing.ts).
   * Absent in models trained before it existed: read as false.
   */
  framingCrosses?: boolean;
  /**
   * Pretrained word vectors pooled as dense features (data/embeddings/<name>.bwe.gz), or null.
   * `sha256` pins the exact table: a model trained on one table refuses to run on another.
   */
  embeddings: { name: string; dims: number; sha256?: string } | null;
}

export const DEFAULT_FEATURES: FeatureConfig = {
  bits: 20,
  charMin: 3,
  charMax: 5,
  wordBigrams: true,
  charShrink: 50,
  wordShrink: 10,
  lengthFeatures: false,
  framingCrosses: true,
  embeddings: { name: "glove-50k", dims: 100 },
};

/** The features of one text: bucket indices laid out as [chars | words | extras]. */
export interface FeatureVector {
  idx: Int32Array;
  nChar: number;
  nWord: number;
  nExtra: number;
  /** Group scale factors: 1/sqrt(distinct features + pseudo-count). */
  charScale: number;
  wordScale: number;
  /** Embedding rows of the window's known words (a view), or null without embeddings. */
  rows: Int32Array | null;
  /**
   * The mean of those rows' vectors, weighted after the 2^bits hashed buckets. Only training
   * needs it (detection uses the model's per-row projections); null otherwise.
   */
  dense: Float32Array | null;
}

/** Number of weights a model with this configuration has: hashed buckets plus dense dimensions. */
export function weightCount(config: FeatureConfig): number {
  return (1 << config.bits) + (config.embeddings?.dims ?? 0);
}

/** Typed arrays use the machine's byte order; a UTF-16LE copy is only code units on a little-endian one. */
const LITTLE_ENDIAN = endianness() === "LE";

const GOLDEN = 0x9e3779b1 | 0;
const WORD_SEED = 0x5bd1e995 | 0;
const BIGRAM_SEED = 0x1b873593 | 0;
const EXTRA_SEED = 0x27d4eb2f | 0;

export class FeatureExtractor {
  readonly config: FeatureConfig;
  private readonly shift: number;
  private buf = new Int32Array(4096);
  /** Raw hashes of the words of the last text, for rule triggers. */
  wordHashes = new Int32Array(512);
  wordCount = 0;
  private readonly extraCache = new Map<string, number>();
  /** Per-bucket stamp of the last text that emitted it: deduplicates without clearing. */
  private readonly stamp: Uint32Array;
  private serial = 0;

  private readonly embeddings: EmbeddingTable | null;
  private readonly denseBuf: Float32Array | null;
  private rowBuf = new Int32Array(256);
  private codes = new Uint16Array(4096);
  private codeBytes = Buffer.from(this.codes.buffer);

  /** `withDense`: also compute the pooled vector (training); detection only needs the rows. */
  constructor(
    config: FeatureConfig = DEFAULT_FEATURES,
    private readonly withDense = false,
  ) {
    if (config.bits < 8 || config.bits > 26) throw new RangeError("feature bits must be within 8..26");
    this.config = config;
    this.shift = 32 - config.bits;
    this.stamp = new Uint32Array(1 << config.bits);
    this.embeddings = config.embeddings ? loadEmbeddings(config.embeddings.name) : null;
    const want = config.embeddings;
    if (
      this.embeddings &&
      want &&
      (this.embeddings.dims !== want.dims || (want.sha256 && want.sha256 !== this.embeddings.sha256))
    ) {
      throw new IntegrityError(
        `embeddings ${want.name} on disk (${this.embeddings.dims} dimensions, sha256 ${this.embeddings.sha256.slice(0, 12)}) ` +
          `are not the ones the model was trained with (${want.dims} dimensions, sha256 ${want.sha256?.slice(0, 12)})`,
      );
    }
    this.denseBuf = this.embeddings ? new Float32Array(this.embeddings.dims) : null;
  }

  private bucket(h: number): number {
    return Math.imul(h, GOLDEN) >>> this.shift;
  }

  private ensure(n: number): void {
    if (n <= this.buf.length) return;
    let size = this.buf.length;
    while (size < n) size *= 2;
    const next = new Int32Array(size);
    next.set(this.buf);
    this.buf = next;
  }

  extraBucket(name: string): number {
    let b = this.extraCache.get(name);
    if (b === undefined) {
      b = this.bucket(hashString(name, EXTRA_SEED));
      if (this.extraCache.size < 4096) this.extraCache.set(name, b);
    }
    return b;
  }

  /** Count of characters that are neither word characters nor whitespace, in the last text. */
  symbolCount = 0;
  private n = 0;
  private nChar = 0;
  private nWord = 0;

  /**
   * Extracts the character and word features of `text`. Call `finish(extras)` next to add
   * named extras (which may depend on `wordHashes` and `symbolCount`) and get the vector.
   */
  begin(text: string): void {
    const { charMin, charMax, wordBigrams } = this.config;
    const len = text.length;
    const maxChar = Math.max(0, len - charMin + 1) * (charMax - charMin + 1);
    this.ensure(maxChar + len + len + 64);
    const buf = this.buf;
    const shift = this.shift;
    const stamp = this.stamp;
    if (++this.serial === 0xffffffff) {
      stamp.fill(0);
      this.serial = 1;
    }
    const serial = this.serial;
    let n = 0;
    let b = 0;

    // The text's code units in a typed array: the loops below read them 2-3x faster there
    // than with charCodeAt, and a native UTF-16 copy fills it 10x faster than a loop would.
    if (this.codes.length < len) {
      this.codes = new Uint16Array(len * 2);
      this.codeBytes = Buffer.from(this.codes.buffer);
    }
    const codes = this.codes;
    if (LITTLE_ENDIAN) this.codeBytes.write(text, 0, len * 2, "utf16le");
    else for (let i = 0; i < len; i++) codes[i] = text.charCodeAt(i);

    // Character n-grams: one running FNV hash per start position, emitted at each length.
    // The shipped lengths (3 to 5) are unrolled, which halves the time of this loop; the
    // general loop gives the same features for any other lengths.
    const fixed35 = charMin === 3 && charMax === 5;
    for (let i = 0; i + charMin <= len; i++) {
      let h = FNV_OFFSET;
      if (fixed35) {
        h = Math.imul(h ^ codes[i]!, FNV_PRIME);
        h = Math.imul(h ^ codes[i + 1]!, FNV_PRIME);
        h = Math.imul(h ^ codes[i + 2]!, FNV_PRIME);
        b = Math.imul(h, GOLDEN) >>> shift;
        if (stamp[b] !== serial) {
          stamp[b] = serial;
          buf[n++] = b;
        }
        if (i + 4 > len) continue;
        h = Math.imul(h ^ codes[i + 3]!, FNV_PRIME);
        b = Math.imul(h, GOLDEN) >>> shift;
        if (stamp[b] !== serial) {
          stamp[b] = serial;
          buf[n++] = b;
        }
        if (i + 5 > len) continue;
        h = Math.imul(h ^ codes[i + 4]!, FNV_PRIME);
        b = Math.imul(h, GOLDEN) >>> shift;
        if (stamp[b] !== serial) {
          stamp[b] = serial;
          buf[n++] = b;
        }
        continue;
      }
      const stop = Math.min(len, i + charMax);
      for (let j = i; j < stop; j++) {
        h = Math.imul(h ^ codes[j]!, FNV_PRIME);
        if (j - i + 1 >= charMin) {
          b = Math.imul(h, GOLDEN) >>> shift;
          if (stamp[b] !== serial) {
            stamp[b] = serial;
            buf[n++] = b;
          }
        }
      }
    }
    const nChar = n;

    // Words and bigrams.
    if (this.wordHashes.length < len + 1) this.wordHashes = new Int32Array(len + 1);
    let words = 0;
    let symbols = 0;
    let h = FNV_OFFSET;
    let inWord = false;
    let prev = 0;
    for (let i = 0; i <= len; i++) {
      const c = i < len ? codes[i]! : 32;
      if (isWordChar(c)) {
        h = Math.imul(h ^ c, FNV_PRIME);
        inWord = true;
        continue;
      }
      if (c !== 32) symbols++;
      if (inWord) {
        this.wordHashes[words] = h;
        buf[n++] = Math.imul(h ^ WORD_SEED, GOLDEN) >>> shift;
        if (wordBigrams && words > 0)
          buf[n++] = Math.imul(Math.imul(prev, 31) ^ h ^ BIGRAM_SEED, GOLDEN) >>> shift;
        prev = h;
        words++;
        h = FNV_OFFSET;
        inWord = false;
      }
    }
    this.wordCount = words;
    this.symbolCount = symbols;
    this.n = n;
    this.nChar = nChar;
    this.nWord = n - nChar;
  }

  /** Appends the extras to the features of the text given to `begin`. */
  finish(extras: readonly string[]): FeatureVector {
    this.ensure(this.n + extras.length);
    let n = this.n;
    for (const e of extras) this.buf[n++] = this.extraBucket(e);
    const { charShrink, wordShrink } = this.config;
    return {
      idx: this.buf.subarray(0, n),
      nChar: this.nChar,
      nWord: this.nWord,
      nExtra: extras.length,
      charScale: this.nChar > 0 ? 1 / Math.sqrt(this.nChar + charShrink) : 0,
      wordScale: this.nWord > 0 ? 1 / Math.sqrt(this.nWord + wordShrink) : 0,
      ...this.embeddingFeatures(),
    };
  }

  private embeddingFeatures(): { rows: Int32Array | null; dense: Float32Array | null } {
    if (!this.embeddings) return { rows: null, dense: null };
    if (this.rowBuf.length < this.wordCount) this.rowBuf = new Int32Array(this.wordCount * 2);
    const n = knownRows(this.embeddings, this.wordHashes, this.wordCount, this.rowBuf);
    const rows = this.rowBuf.subarray(0, n);
    return { rows, dense: this.withDense ? meanOfRows(this.embeddings, rows, this.denseBuf!) : null };
  }

  /**
   * What one word adds to a window's linear score under `weights`: its distinct character
   * n-grams at the window's character scale plus its unigram at the word scale (the
   * features that lie inside the word; see attribution.ts). Hashes exactly as `begin` does.
   */
  wordWeight(weights: Float32Array, word: string, charScale: number, wordScale: number): number {
    const { charMin, charMax } = this.config;
    const shift = this.shift;
    const seen: number[] = [];
    let chars = 0;
    for (let i = 0; i + charMin <= word.length; i++) {
      let h = FNV_OFFSET;
      const stop = Math.min(word.length, i + charMax);
      for (let j = i; j < stop; j++) {
        h = Math.imul(h ^ word.charCodeAt(j), FNV_PRIME);
        if (j - i + 1 < charMin) continue;
        const b = Math.imul(h, GOLDEN) >>> shift;
        if (seen.includes(b)) continue;
        seen.push(b);
        chars += weights[b]!;
      }
    }
    let h = FNV_OFFSET;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
    const unigram = weights[Math.imul(h ^ WORD_SEED, GOLDEN) >>> shift]!;
    return chars * charScale + unigram * wordScale;
  }

  extract(text: string, extras: readonly string[] = []): FeatureVector {
    this.begin(text);
    return this.finish(extras);
  }
}

/** w · x over the hashed features, with the group scales applied (embeddings are the model's part). */
export function dot(weights: Float32Array, v: FeatureVector): number {
  const idx = v.idx;
  let a = 0;
  let i = 0;
  for (; i < v.nChar; i++) a += weights[idx[i]!]!;
  let b = 0;
  const endWord = v.nChar + v.nWord;
  for (; i < endWord; i++) b += weights[idx[i]!]!;
  let c = 0;
  for (; i < idx.length; i++) c += weights[idx[i]!]!;
  return a * v.charScale + b * v.wordScale + c;
}
