/**
 * Trains the built-in model: a split by related-text groups, FTRL on windows (see
 * learner.ts), a category head on attacks, Platt calibration on the validation split and a
 * threshold for at most `maxFpr` false positives on benign validation texts. Deterministic
 * for a seed.
 *
 * The front door: it checks the parameters, picks a path and hands the trained learner to
 * finish.ts. The paths share every learning step: in memory (in-memory.ts: features computed
 * once and reused by every epoch) and streaming (streaming.ts: the source read once per
 * epoch, memory bounded), so a dataset of any size trains.
 */
import { performance } from "node:perf_hooks";
import { ValidationError } from "../core/errors.js";
import type { Sample } from "../data/sample.js";
import { WindowAnalyser } from "../detect/analysis.js";
import { FeatureExtractor, weightCount } from "../detect/features.js";
import { RuleSet } from "../detect/rules.js";
import { finish } from "./finish.js";
import { trainInMemory } from "./in-memory.js";
import { WindowLearner } from "./learner.js";
import { resolveParams } from "./params.js";
import { isStream, streamOf, type SampleSource } from "./sources.js";
import { trainStreaming } from "./streaming.js";
import type { PathResult, TrainOptions, TrainResult } from "./types.js";

export { FeatureCache } from "./feature-cache.js";
export {
  DEFAULT_PARAMS,
  parseTrainParams,
  resolveParams,
  TrainParamsOverridesSchema,
  TrainParamsSchema,
  type TrainParams,
  type TrainParamsOverrides,
} from "./params.js";
export type {
  TrainOptions,
  TrainPhase,
  TrainProgress,
  TrainResult,
  TrainRows,
  ValidationReport,
} from "./types.js";

/** Above this many characters an in-memory array trains on the streaming path (bounded memory). */
const IN_MEMORY_CHAR_LIMIT = 64_000_000;

export async function trainBuiltin(source: SampleSource, options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const p = resolveParams(options.params);
  const progress = options.onProgress ?? (() => {});
  const analyser = new WindowAnalyser(new FeatureExtractor(p.features, true), new RuleSet(options.rules));
  const learner = new WindowLearner(
    weightCount(p.features),
    p.features.bits,
    p.categoryBits,
    p,
    p.categoryLr,
  );

  let trained: PathResult;
  const inMemory = !isStream(source) && source.reduce((n, s) => n + s.text.length, 0) <= IN_MEMORY_CHAR_LIMIT;
  if (inMemory) {
    const samples = source as readonly Sample[];
    trained = await trainInMemory(samples, p, analyser, learner, options.featureCache, progress);
  } else {
    const stream = isStream(source) ? source : streamOf(source);
    trained = await trainStreaming(stream, p, analyser, learner, progress);
  }
  const { validation, rows } = trained;
  if (rows.train === 0 || validation.length === 0) {
    throw new ValidationError(
      `training needs more data: ${rows.total} rows give ${rows.train} training and ${validation.length} validation rows`,
    );
  }
  return finish(learner, validation, rows, p, options, progress, started);
}
