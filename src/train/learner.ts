/**
 * The learning step shared by in-memory and streaming training: one sample's windows go
 * in, the binary and category heads are updated. For an attack text with several windows,
 * the first epoch trains on all of them and later epochs only on the window the model finds
 * most suspicious (multiple-instance learning): the injection sits in one place, the rest of
 * the e-mail is benign, and calling that rest an attack would teach the model the wrong thing.
 */
import type { FeatureVector } from "../detect/features.js";
import { CATEGORIES } from "../detect/types.js";
import { AdagradSoftmax, FtrlLogistic, type FtrlParams } from "./ftrl.js";

/** A window's features, owned (copied out of the extractor's reused buffer). */
export interface WindowFeatures extends FeatureVector {
  prior: number;
}

export class WindowLearner {
  readonly binary: FtrlLogistic;
  readonly category: AdagradSoftmax;

  constructor(size: number, bits: number, categoryBits: number, ftrl: FtrlParams, categoryLr: number) {
    this.binary = new FtrlLogistic(size, ftrl);
    this.category = new AdagradSoftmax(
      1 << categoryBits,
      CATEGORIES.length,
      bits - categoryBits,
      categoryLr,
      1e-6,
    );
  }

  learn(
    parts: readonly WindowFeatures[],
    label: 0 | 1,
    category: string,
    weight: number,
    epoch: number,
  ): void {
    if (parts.length === 0) return;
    const c = (CATEGORIES as readonly string[]).indexOf(category);
    if (label === 0 || parts.length === 1) {
      for (const v of parts) {
        this.binary.step(v, v.prior, label, weight);
        if (label === 1 && c >= 0) this.category.step(v, c, weight);
      }
      return;
    }
    let chosen: readonly WindowFeatures[] = parts;
    if (epoch > 0) {
      let best = parts[0]!;
      let bestLogit = -Infinity;
      for (const v of parts) {
        const z = this.binary.logit(v, v.prior);
        if (z > bestLogit) {
          bestLogit = z;
          best = v;
        }
      }
      chosen = [best];
    }
    for (const v of chosen) {
      this.binary.step(v, v.prior, 1, weight / chosen.length);
      if (c >= 0) this.category.step(v, c, weight / chosen.length);
    }
  }
}
