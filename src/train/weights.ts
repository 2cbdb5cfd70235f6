/**
 * Per-sample training weights. Public corpora differ in size by orders of magnitude; weighted
 * by row, the biggest source would decide what an attack looks like. So each source is scaled
 * by rows^-sourceBalance (1: every source counts the same in total), attacks by
 * positiveWeight, and the whole rescaled to a mean of 1 so learning rates keep their meaning.
 * With classBalance, a source holding both labels evens out its two halves: its few benign
 * look-alikes (adversarial-benign prompts, clean copies of injected documents) are the hard
 * negatives that keep the model from learning topic words as attacks.
 */
import type { Sample } from "../data/sample.js";
import type { TrainParams } from "./params.js";

export interface SourceCount {
  rows: number;
  positives: number;
}

/** Counts of training rows per source, as both training paths see them go by. */
export function countSample(counts: Map<string, SourceCount>, s: Sample): void {
  const c = counts.get(s.source);
  if (c) {
    c.rows++;
    if (s.label === 1) c.positives++;
  } else counts.set(s.source, { rows: 1, positives: s.label });
}

export class SampleWeights {
  private readonly scale: number;
  constructor(
    private readonly perSource: ReadonlyMap<string, SourceCount>,
    private readonly p: Pick<TrainParams, "positiveWeight" | "sourceBalance" | "classBalance">,
  ) {
    let sum = 0;
    let rows = 0;
    for (const c of perSource.values()) {
      const [neg, pos] = this.classFactors(c);
      sum +=
        c.rows ** -p.sourceBalance * (neg * (c.rows - c.positives) + pos * p.positiveWeight * c.positives);
      rows += c.rows;
    }
    this.scale = rows / Math.max(1e-12, sum);
  }

  of(s: Sample): number {
    const c = this.perSource.get(s.source)!;
    const [neg, pos] = this.classFactors(c);
    return (s.label === 1 ? this.p.positiveWeight * pos : neg) * c.rows ** -this.p.sourceBalance * this.scale;
  }

  /** Factors for a source's benign and attack rows that even out its two halves (1, 1 when off). */
  private classFactors(c: SourceCount): [number, number] {
    const k = this.p.classBalance ?? 0;
    const neg = c.rows - c.positives;
    if (k === 0 || neg === 0 || c.positives === 0) return [1, 1];
    return [(c.rows / (2 * neg)) ** k, (c.rows / (2 * c.positives)) ** k];
  }
}
