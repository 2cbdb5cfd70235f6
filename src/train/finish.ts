/**
 * The end of a training run, shared by both paths: the learner's weights become a model,
 * which is calibrated (Platt scaling) and given a threshold, on the validation split or, with
 * `thresholdFolds`, on the scores of models that never saw the text's source
 * (source-folds.ts), then evaluated on the validation split and serialised with its
 * parameters, metrics and lineage. Texts are scored exactly as detection will score them, so
 * the threshold means what it says.
 */
import { cpus, platform, release } from "node:os";
import { performance } from "node:perf_hooks";
import type { Sample } from "../data/sample.js";
import { BuiltinDetector } from "../detect/builtin.js";
import { fitPlatt } from "../detect/calibration.js";
import { BuiltinModel, MODEL_FORMAT, sigmoid, type ModelMeta } from "../detect/model.js";
import { isCategory } from "../detect/types.js";
import type { WindowLearner } from "./learner.js";
import { binaryMetrics, metricsBy, thresholdForFpr, thresholdForMeanFpr } from "./metrics.js";
import { DEFAULT_PARAMS, type TrainParams } from "./params.js";
import type {
  HeldOutReport,
  HeldOutScores,
  OnProgress,
  TrainOptions,
  TrainResult,
  TrainRows,
  ValidationReport,
} from "./types.js";
import { yieldToLoop } from "./yield.js";

/** The learner's weights as a model, not yet calibrated (threshold 0.5 on the raw logit). */
export function modelOf(learner: WindowLearner, p: TrainParams, options: TrainOptions): BuiltinModel {
  const meta: ModelMeta = {
    format: MODEL_FORMAT,
    name: options.name ?? "builtin",
    version: options.version ?? "1.0.0",
    createdAt: new Date().toISOString(),
    features: p.features,
    categoryBits: p.categoryBits,
    window: p.window,
    calibration: { a: 1, b: 0 },
    threshold: 0.5,
    bias: learner.binary.bias,
    categoryBias: Array.from(learner.category.bias),
    rules: options.rules,
    params: { ...p },
    metrics: {},
    training: {},
  };
  return new BuiltinModel(meta, learner.binary.weights(), learner.category.w);
}

export async function finish(
  learner: WindowLearner,
  validation: readonly Sample[],
  rows: TrainRows,
  p: TrainParams,
  options: TrainOptions,
  progress: OnProgress,
  started: number,
  heldOut?: HeldOutScores,
): Promise<TrainResult> {
  const provisional = modelOf(learner, p, options);
  const meta = provisional.meta;
  const scores = await calibrate(provisional, validation, p, progress, heldOut);

  progress({ phase: "evaluate", done: 0, total: 1 });
  const final = new BuiltinModel(meta, provisional.weights, provisional.categoryWeights);
  const report = evaluate(final, validation, scores);
  if (heldOut) report.heldOutSources = heldOutReport(heldOut, meta);
  const durationMs = performance.now() - started;
  meta.metrics = {
    validation: { ...report.overall, threshold: meta.threshold, categoryAccuracy: report.categoryAccuracy },
    ...(report.heldOutSources
      ? { heldOutSources: { ...report.heldOutSources.overall, folds: report.heldOutSources.groups.length } }
      : {}),
  };
  meta.training = {
    rows,
    durationMs: Math.round(durationMs),
    environment: { node: process.version, platform: platform(), release: release(), cpus: cpus().length },
    ...options.lineage,
  };
  const artifact = final.serialize();
  const model = BuiltinModel.deserialize(artifact);
  progress({ phase: "evaluate", done: 1, total: 1 });
  return { model, artifact, report, durationMs, params: p, rows, ...(heldOut ? { heldOut } : {}) };
}

/**
 * Sets the model's calibration and threshold and returns the calibrated validation scores.
 * The threshold lets at most `maxFpr` of the benign validation texts through; with `heldOut`
 * it also keeps the false-positive rate on the sources the folds held out, averaged over
 * those sources (each a place the detector might be deployed), within `heldOutMaxFpr`, and
 * Platt scaling is fitted on the held-out scores, so a score reads as a probability for data
 * from somewhere new.
 */
async function calibrate(
  model: BuiltinModel,
  validation: readonly Sample[],
  p: TrainParams,
  progress: OnProgress,
  heldOut: HeldOutScores | undefined,
): Promise<number[]> {
  const detector = new BuiltinDetector(model);
  const logits: number[] = [];
  for (let i = 0; i < validation.length; i++) {
    logits.push(detector.score(validation[i]!.text).logit);
    if (i % 500 === 0) {
      progress({ phase: "calibrate", done: i, total: validation.length });
      await yieldToLoop();
    }
  }
  const labels = validation.map((s) => s.label);
  const calibration = heldOut ? fitPlatt(heldOut.logits, heldOut.labels) : fitPlatt(logits, labels);
  model.meta.calibration = calibration;
  const calibrated = (z: number) => sigmoid(calibration.a * z + calibration.b);
  const scores = logits.map(calibrated);
  let threshold = thresholdForFpr(
    scores.filter((_, i) => labels[i] === 0),
    p.maxFpr,
  );
  if (heldOut) {
    const benign = heldOut.labels.flatMap((l, i) => (l === 0 ? [i] : []));
    const onHeldOut = thresholdForMeanFpr(
      benign.map((i) => calibrated(heldOut.logits[i]!)),
      benign.map((i) => heldOut.sourceOf[i]!),
      p.heldOutMaxFpr ?? DEFAULT_PARAMS.heldOutMaxFpr!,
    );
    threshold = Math.max(threshold, onHeldOut);
  }
  model.meta.threshold = threshold;
  return scores;
}

/** How the fold models did on the sources they never saw, at the final calibration and threshold. */
function heldOutReport(h: HeldOutScores, meta: ModelMeta): HeldOutReport {
  const { a, b } = meta.calibration;
  const scored = h.logits.map((z, i) => ({
    score: sigmoid(a * z + b),
    label: h.labels[i]!,
    source: h.sources[h.sourceOf[i]!]!,
  }));
  return {
    groups: h.groups,
    overall: binaryMetrics(scored, meta.threshold),
    bySource: metricsBy(scored, (x) => x.source, meta.threshold),
  };
}

/** Metrics on the validation split, overall and per source and category, and how often flagged attacks get the right category. */
function evaluate(
  model: BuiltinModel,
  validation: readonly Sample[],
  scores: readonly number[],
): ValidationReport {
  const threshold = model.meta.threshold;
  const scored = validation.map((s, i) => ({
    score: scores[i]!,
    label: s.label,
    source: s.source,
    category: s.category,
  }));
  const detector = new BuiltinDetector(model);
  let right = 0;
  let flaggedAttacks = 0;
  validation.forEach((s, i) => {
    if (s.label !== 1 || scores[i]! < threshold || !isCategory(s.category)) return;
    flaggedAttacks++;
    if (detector.detect(s.text, { evidence: false }).category === s.category) right++;
  });
  return {
    threshold,
    overall: binaryMetrics(scored, threshold),
    bySource: metricsBy(scored, (x) => x.source, threshold),
    byCategory: metricsBy(scored, (x) => x.category, threshold),
    categoryAccuracy: flaggedAttacks ? right / flaggedAttacks : null,
  };
}
