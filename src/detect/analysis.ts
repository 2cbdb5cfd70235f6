/**
 * What the built-in model sees of one window of text: the normal form, the rule hits, the
 * obfuscation signals and the hashed feature vector. Training and detection both go
 * through `WindowAnalyser.analyse`, so a model can never be trained on features it will not see.
 */
import { normalize, type Signal } from "../text/normalize.js";
import { framingExtras } from "./framing.js";
import type { FeatureExtractor } from "./features.js";
import { type FeatureVector } from "./features.js";
import type { RuleHit, RuleSet } from "./rules.js";

export interface WindowAnalysis {
  normalized: string;
  signals: Signal[];
  hits: RuleHit[];
  /** Sum of the matched rules' weights: the rules file's prior, in logits. */
  prior: number;
  vector: FeatureVector;
}

/** Coarse shape of the text: symbol-dense text (optimised suffixes) differs from prose. */
function shapeExtras(
  length: number,
  words: number,
  symbols: number,
  withLength: boolean,
  out: string[],
): void {
  const density = length === 0 ? 0 : symbols / length;
  out.push(`sym:${Math.min(10, Math.floor(density * 20))}`);
  if (!withLength) return;
  out.push(`len:${Math.min(12, Math.floor(Math.log2(length + 1)))}`);
  const avgWord = words === 0 ? 0 : (length - symbols) / words;
  out.push(`wlen:${Math.min(12, Math.floor(avgWord))}`);
}

export class WindowAnalyser {
  constructor(
    readonly extractor: FeatureExtractor,
    readonly rules: RuleSet,
  ) {}

  analyse(text: string): WindowAnalysis {
    const { text: normalized, signals } = normalize(text);
    const ex = this.extractor;
    ex.begin(normalized);
    const hits = this.rules.match(normalized, ex.wordHashes, ex.wordCount);
    const extras: string[] = [];
    let prior = 0;
    for (const h of hits) {
      extras.push(`rule:${h.rule.id}`);
      prior += h.rule.weight;
    }
    for (const s of signals) extras.push(`sig:${s}`);
    shapeExtras(normalized.length, ex.wordCount, ex.symbolCount, ex.config.lengthFeatures, extras);
    if (ex.config.framingCrosses) framingExtras(normalized, extras);
    return { normalized, signals, hits, prior, vector: ex.finish(extras) };
  }
}
