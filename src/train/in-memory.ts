/**
 * Training on samples held in memory: a split by related-text groups, window features
 * computed once and reused by every epoch, and the rows shuffled afresh each epoch. The
 * faster path, for datasets whose text fits in memory (see builtin-trainer.ts for the limit).
 */
import { shuffleInPlace, mulberry32 } from "../core/random.js";
import type { Sample } from "../data/sample.js";
import type { WindowAnalyser } from "../detect/analysis.js";
import { AugmentPools } from "./augment.js";
import { FeatureCache } from "./feature-cache.js";
import type { WindowFeatures, WindowLearner } from "./learner.js";
import type { TrainParams } from "./params.js";
import { groupSplit } from "./split.js";
import type { OnProgress, PathResult } from "./types.js";
import { countSample, SampleWeights, type SourceCount } from "./weights.js";
import { yieldToLoop } from "./yield.js";

export async function trainInMemory(
  samples: readonly Sample[],
  p: TrainParams,
  analyser: WindowAnalyser,
  learner: WindowLearner,
  cache: FeatureCache | undefined,
  progress: OnProgress,
): Promise<PathResult> {
  progress({ phase: "split", done: 0, total: 1 });
  const split = groupSplit(samples, p.validationFraction, p.seed);
  const pools = new AugmentPools(Infinity, p.seed);
  for (const s of split.train) pools.offer(s);
  const synthetic = pools.synthesise(p);
  const train = [...split.train, ...synthetic];
  const counts = new Map<string, SourceCount>();
  for (const s of train) countSample(counts, s);
  const weights = new SampleWeights(counts, p);

  const features: WindowFeatures[][] = [];
  const windows = cache ?? new FeatureCache();
  for (let i = 0; i < train.length; i++) {
    features.push(windows.windows(train[i]!, analyser, p.window));
    if (i % 1000 === 0) {
      progress({ phase: "features", done: i, total: train.length });
      await yieldToLoop();
    }
  }

  const order = Array.from(train.keys());
  const rng = mulberry32(p.seed);
  const total = p.epochs * train.length;
  for (let epoch = 0; epoch < p.epochs; epoch++) {
    shuffleInPlace(order, rng);
    for (let k = 0; k < order.length; k++) {
      const s = train[order[k]!]!;
      learner.learn(features[order[k]!]!, s.label, s.category, weights.of(s), epoch);
      if (k % 1000 === 0) {
        progress({ phase: "train", done: epoch * train.length + k, total, epoch: epoch + 1 });
        await yieldToLoop();
      }
    }
  }
  progress({ phase: "train", done: total, total, epoch: p.epochs });
  return {
    validation: split.validation,
    rows: {
      total: samples.length,
      train: train.length,
      validation: split.validation.length,
      synthetic: synthetic.length,
    },
  };
}
