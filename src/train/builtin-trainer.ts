/**
 * Trains the built-in model: a split by related-text groups, FTRL on windows (see
 * learner.ts), a category head on attacks, Platt calibration and a threshold for at most
 * `maxFpr` false positives on benign texts: of the validation split, or with `thresholdFolds`
 * of sources held out whole by extra models (source-folds.ts). Deterministic for a seed.
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
import { FeatureCache } from "./feature-cache.js";
import { finish, modelOf } from "./finish.js";
import { trainInMemory } from "./in-memory.js";
import { WindowLearner } from "./learner.js";
import { resolveParams, type TrainParams } from "./params.js";
import { foldGroups, heldOutScores } from "./source-folds.js";
import { isStream, streamOf, type SampleSource } from "./sources.js";
import { trainStreaming } from "./streaming.js";
import type { OnProgress, PathResult, TrainOptions, TrainResult } from "./types.js";

export { FeatureCache } from "./feature-cache.js";
export { dealSources, heldOutScores } from "./source-folds.js";
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
  HeldOutReport,
  HeldOutScores,
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
  const folds = p.thresholdFolds ?? 0;
  // The fold models train on subsets of the same sample objects: share their window features.
  const cache = options.featureCache ?? (folds >= 2 ? new FeatureCache() : undefined);
  // Refused before hours of training, not after.
  const groups = folds >= 2 ? await foldGroups(source, folds) : undefined;
  const { learner, trained } = await trainLearner(source, p, options.rules, cache, progress);
  const { validation, rows } = trained;
  if (rows.train === 0 || validation.length === 0) {
    throw new ValidationError(
      `training needs more data: ${rows.total} rows give ${rows.train} training and ${validation.length} validation rows`,
    );
  }
  const heldOut = groups
    ? await heldOutScores(
        source,
        groups,
        async (rest, onProgress) => {
          const fold = await trainLearner(rest, p, options.rules, cache, onProgress);
          return modelOf(fold.learner, p, options);
        },
        progress,
      )
    : undefined;
  return finish(learner, validation, rows, p, options, progress, started, heldOut);
}

/** One pass of the ordinary training path: the learner it leaves and the validation rows it held out. */
async function trainLearner(
  source: SampleSource,
  p: TrainParams,
  rules: TrainOptions["rules"],
  cache: FeatureCache | undefined,
  progress: OnProgress,
): Promise<{ learner: WindowLearner; trained: PathResult }> {
  const analyser = new WindowAnalyser(new FeatureExtractor(p.features, true), new RuleSet(rules));
  const learner = new WindowLearner(
    weightCount(p.features),
    p.features.bits,
    p.categoryBits,
    p,
    p.categoryLr,
  );
  const inMemory = !isStream(source) && source.reduce((n, s) => n + s.text.length, 0) <= IN_MEMORY_CHAR_LIMIT;
  const trained = inMemory
    ? await trainInMemory(source as readonly Sample[], p, analyser, learner, cache, progress)
    : await trainStreaming(isStream(source) ? source : streamOf(source), p, analyser, learner, progress);
  return { learner, trained };
}
