/**
 * A sample's window features, and a cache of them. Features depend only on the text and the
 * feature settings, so the in-memory path computes them once for every epoch, and
 * cross-validation shares one cache across its folds; the streaming path, which cannot
 * hold them, recomputes them with the same function.
 */
import type { Sample } from "../data/sample.js";
import type { WindowAnalyser } from "../detect/analysis.js";
import { windows } from "../text/windows.js";
import type { WindowFeatures } from "./learner.js";

export interface WindowShape {
  size: number;
  stride: number;
}

/** The features of each non-empty window of a sample, copied out of the analyser's reused buffers. */
export function analyseWindows(
  sample: Sample,
  analyser: WindowAnalyser,
  window: WindowShape,
): WindowFeatures[] {
  const out: WindowFeatures[] = [];
  for (const part of windows(sample.text, window.size, window.stride)) {
    const a = analyser.analyse(part.text);
    if (!a.normalized) continue;
    out.push({
      ...a.vector,
      idx: a.vector.idx.slice(),
      rows: null,
      dense: a.vector.dense?.slice() ?? null,
      prior: a.prior,
    });
  }
  return out;
}

/** Window features per sample, computed on first use (keyed by the sample object). */
export class FeatureCache {
  private readonly entries = new WeakMap<Sample, WindowFeatures[]>();

  windows(sample: Sample, analyser: WindowAnalyser, window: WindowShape): WindowFeatures[] {
    let hit = this.entries.get(sample);
    if (!hit) {
      hit = analyseWindows(sample, analyser, window);
      this.entries.set(sample, hit);
    }
    return hit;
  }
}
