/**
 * Per-sample training weights. Public corpora differ in size by orders of magnitude; weighted
 * by row, the biggest source would decide what an attack looks like. So each source is scaled
 * by rows^-sourceBalance (1: every source counts the same in total), attacks by
 * positiveWeight, and the whole rescaled to a mean of 1 so learning rates keep their meaning.
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
    private readonly p: Pick<TrainParams, "positiveWeight" | "sourceBalance">,
  ) {
    let sum = 0;
    let rows = 0;
    for (const c of perSource.values()) {
      sum += c.rows ** -p.sourceBalance * (c.rows - c.positives + p.positiveWeight * c.positives);
      rows += c.rows;
    }
    this.scale = rows / Math.max(1e-12, sum);
  }

  of(s: Sample): number {
    const c = this.perSource.get(s.source)!;
    return (s.label === 1 ? this.p.positiveWeight : 1) * c.rows ** -this.p.sourceBalance * this.scale;
  }
}
