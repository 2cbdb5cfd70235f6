/**
 * Training on a stream read once per epoch: memory is bounded by the model, a shuffle
 * buffer, a validation reservoir and the augmentation pools, so a dataset of any size
 * trains in constant memory. Window features are recomputed on every pass, which is the
 * price of not holding them.
 */
import type { Sample } from "../data/sample.js";
import type { WindowAnalyser } from "../detect/analysis.js";
import { AugmentPools } from "./augment.js";
import { analyseWindows } from "./feature-cache.js";
import type { WindowLearner } from "./learner.js";
import type { TrainParams } from "./params.js";
import { Reservoir, shuffleBuffer, type SampleStream } from "./sources.js";
import { splitKey, unitHash } from "./split.js";
import type { OnProgress, PathResult } from "./types.js";
import { countSample, SampleWeights, type SourceCount } from "./weights.js";
import { yieldToLoop } from "./yield.js";

/** Validation texts kept for calibration and metrics (a uniform sample beyond that). */
const MAX_STREAM_VALIDATION = 20_000;
/** Synthetic rows are held for every epoch: at most this many of each kind. */
const MAX_STREAM_SYNTHETIC = 20_000;
/** Augmentation draws from a uniform sample of this many candidates of each kind. */
const POOL_SIZE = 5000;
const SHUFFLE_BUFFER = 8192;

/**
 * Validation membership without a split of the whole set: by a hash of the row's group when
 * its source gave one (translations share no text), else of the text's opening, so
 * near-copies land on the same side.
 */
export function inValidation(s: Sample, p: Pick<TrainParams, "seed" | "validationFraction">): boolean {
  const key =
    s.group !== undefined ? `${s.source}#group:${s.group}` : `${s.source}:${splitKey(s.text).slice(0, 64)}`;
  return unitHash(key, p.seed) < p.validationFraction;
}

export async function trainStreaming(
  stream: SampleStream,
  p: TrainParams,
  analyser: WindowAnalyser,
  learner: WindowLearner,
  progress: OnProgress,
): Promise<PathResult> {
  // Pass 0: counts for the weights, the validation reservoir, pools for augmentation.
  const perSource = new Map<string, SourceCount>();
  let trainRows = 0;
  let totalRows = 0;
  const validation = new Reservoir<Sample>(MAX_STREAM_VALIDATION, p.seed);
  const pools = new AugmentPools(POOL_SIZE, p.seed);
  for await (const s of stream.samples()) {
    totalRows++;
    if (inValidation(s, p)) {
      validation.offer(s);
      continue;
    }
    trainRows++;
    countSample(perSource, s);
    pools.offer(s);
    if (totalRows % 10_000 === 0) {
      progress({ phase: "split", done: totalRows, total: 0 });
      await yieldToLoop();
    }
  }
  const synthetic = pools.synthesise(p, MAX_STREAM_SYNTHETIC);
  for (const s of synthetic) countSample(perSource, s);
  const weights = new SampleWeights(perSource, p);
  const perEpoch = trainRows + synthetic.length;
  const total = p.epochs * perEpoch;

  for (let epoch = 0; epoch < p.epochs; epoch++) {
    const rows = async function* (): AsyncGenerator<Sample> {
      for await (const s of stream.samples()) if (!inValidation(s, p)) yield s;
      yield* synthetic;
    };
    let k = 0;
    for await (const s of shuffleBuffer(rows(), SHUFFLE_BUFFER, p.seed + epoch)) {
      learner.learn(analyseWindows(s, analyser, p.window), s.label, s.category, weights.of(s), epoch);
      if (++k % 2000 === 0) {
        progress({ phase: "train", done: epoch * perEpoch + k, total, epoch: epoch + 1 });
        await yieldToLoop();
      }
    }
  }
  progress({ phase: "train", done: total, total, epoch: p.epochs });
  return {
    validation: validation.items,
    rows: {
      total: totalRows,
      train: trainRows + synthetic.length,
      validation: validation.items.length,
      synthetic: synthetic.length,
    },
  };
}
