/**
 * Trains the built-in model: a group split, FTRL on windows (for long attack texts only
 * the most suspicious window is a positive after the first epoch: the injection sits in one
 * place, the rest of the e-mail is benign), a category head on attacks, Platt calibration on
 * the validation split and a threshold for at most 1% false positives on benign validation
 * texts. Deterministic for a seed.
 */
import { performance } from "node:perf_hooks";
import { cpus, platform, release } from "node:os";
import type { Sample } from "../data/sample.js";
import { WindowAnalyser } from "../detect/analysis.js";
import { BuiltinDetector } from "../detect/builtin.js";
import { fitPlatt } from "../detect/calibration.js";
import {
  DEFAULT_FEATURES,
  FeatureExtractor,
  type FeatureConfig,
  type FeatureVector,
} from "../detect/features.js";
import { BuiltinModel, MODEL_FORMAT, sigmoid, type ModelMeta } from "../detect/model.js";
import { RuleSet, type RulesDocument } from "../detect/rules.js";
import { CATEGORIES, isCategory } from "../detect/types.js";
import { windows } from "../text/windows.js";
import { AdagradSoftmax, FtrlLogistic } from "./ftrl.js";
import { binaryMetrics, metricsBy, thresholdForFpr, type BinaryMetrics } from "./metrics.js";
import { mulberry32, shuffleInPlace } from "./random.js";
import { groupSplit } from "./split.js";
import { indirectInjections } from "./augment.js";

export interface TrainParams {
  seed: number;
  epochs: number;
  alpha: number;
  beta: number;
  l1: number;
  l2: number;
  positiveWeight: number;
  /** 0: every row counts the same; 1: every source counts the same in total. */
  sourceBalance: number;
  validationFraction: number;
  maxFpr: number;
  features: FeatureConfig;
  categoryBits: number;
  categoryLr: number;
  window: { size: number; stride: number };
  /** Synthetic indirect injections, as a multiple of the training attacks (0: none). */
  augmentIndirect: number;
}

export const DEFAULT_PARAMS: TrainParams = {
  seed: 1337,
  epochs: 6,
  alpha: 0.2,
  beta: 1,
  l1: 0.0002,
  l2: 0.0001,
  positiveWeight: 1,
  sourceBalance: 0.5,
  validationFraction: 0.15,
  maxFpr: 0.01,
  features: DEFAULT_FEATURES,
  categoryBits: 18,
  categoryLr: 0.2,
  window: { size: 1024, stride: 768 },
  augmentIndirect: 0,
};

export type TrainPhase = "split" | "features" | "train" | "calibrate" | "evaluate";

export interface TrainProgress {
  phase: TrainPhase;
  done: number;
  total: number;
  epoch?: number;
}

export interface TrainOptions {
  name?: string;
  version?: string;
  params?: Partial<TrainParams>;
  rules: RulesDocument;
  onProgress?: (p: TrainProgress) => void;
  /** Shares window features between runs over the same samples (cross-validation). */
  featureCache?: FeatureCache;
  /** Extra facts recorded in the model's training section (dataset ids, hashes...). */
  lineage?: Record<string, unknown>;
}

export interface ValidationReport {
  threshold: number;
  overall: BinaryMetrics;
  bySource: Record<string, BinaryMetrics>;
  byCategory: Record<string, BinaryMetrics>;
  categoryAccuracy: number | null;
}

export interface TrainResult {
  model: BuiltinModel;
  artifact: Buffer;
  report: ValidationReport;
  durationMs: number;
  params: TrainParams;
}

function sampleWeights(samples: readonly Sample[], p: TrainParams): Float64Array {
  const perSource = new Map<string, number>();
  for (const s of samples) perSource.set(s.source, (perSource.get(s.source) ?? 0) + 1);
  const w = new Float64Array(samples.length);
  let total = 0;
  samples.forEach((s, i) => {
    w[i] = (s.label === 1 ? p.positiveWeight : 1) * perSource.get(s.source)! ** -p.sourceBalance;
    total += w[i]!;
  });
  const scale = samples.length / total;
  for (let i = 0; i < w.length; i++) w[i]! *= scale;
  return w;
}

export function resolveParams(overrides: Partial<TrainParams> = {}): TrainParams {
  return {
    ...DEFAULT_PARAMS,
    ...overrides,
    features: { ...DEFAULT_PARAMS.features, ...overrides.features },
    window: { ...DEFAULT_PARAMS.window, ...overrides.window },
  };
}

export async function trainBuiltin(samples: readonly Sample[], options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const p = resolveParams(options.params);
  const progress = options.onProgress ?? (() => {});
  const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

  progress({ phase: "split", done: 0, total: 1 });
  const split = groupSplit(samples, p.validationFraction, p.seed);
  const { validation } = split;
  const train = [
    ...split.train,
    ...indirectInjections(split.train, { indirect: p.augmentIndirect, seed: p.seed }),
  ];
  if (train.length === 0 || validation.length === 0) {
    throw new Error(
      `training needs more data: ${samples.length} rows give ${train.length} training and ${validation.length} validation rows`,
    );
  }
  const weights = sampleWeights(train, p);

  const extractor = new FeatureExtractor(p.features);
  const analyser = new WindowAnalyser(extractor, new RuleSet(options.rules));
  const size = 1 << p.features.bits;
  const binary = new FtrlLogistic(size, p);
  const category = new AdagradSoftmax(
    1 << p.categoryBits,
    CATEGORIES.length,
    p.features.bits - p.categoryBits,
    p.categoryLr,
    1e-6,
  );

  const cache = options.featureCache ?? new FeatureCache();
  const featurized: CachedWindow[][] = [];
  for (let i = 0; i < train.length; i++) {
    featurized.push(cache.windows(train[i]!, analyser, p.window));
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
      const i = order[k]!;
      const s = train[i]!;
      const w = weights[i]!;
      const parts = featurized[i]!;
      if (parts.length === 1 || s.label === 0) {
        for (const v of parts) {
          binary.step(v, v.prior, s.label, w);
          if (s.label === 1) trainCategory(category, v, s.category, w);
        }
      } else if (parts.length > 0) {
        // Multiple-instance learning: an attack text needs one attacking window, not all.
        let chosen = parts;
        if (epoch > 0) {
          let best = parts[0]!;
          let bestLogit = -Infinity;
          for (const v of parts) {
            const z = binary.logit(v, v.prior);
            if (z > bestLogit) {
              bestLogit = z;
              best = v;
            }
          }
          chosen = [best];
        }
        for (const v of chosen) {
          binary.step(v, v.prior, 1, w / chosen.length);
          trainCategory(category, v, s.category, w / chosen.length);
        }
      }
      if (k % 1000 === 0) {
        progress({ phase: "train", done: epoch * train.length + k, total, epoch: epoch + 1 });
        await yieldToLoop();
      }
    }
  }
  progress({ phase: "train", done: total, total, epoch: p.epochs });

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
    bias: binary.bias,
    categoryBias: Array.from(category.bias),
    rules: options.rules,
    params: { ...p },
    metrics: {},
    training: {},
  };
  const provisional = new BuiltinModel(meta, binary.weights(), category.w);
  const detector = new BuiltinDetector(provisional);

  // Calibrate on validation texts scored exactly as detection will score them.
  const logits: number[] = [];
  for (let i = 0; i < validation.length; i++) {
    logits.push(detector.score(validation[i]!.text).logit);
    if (i % 500 === 0) {
      progress({ phase: "calibrate", done: i, total: validation.length });
      await yieldToLoop();
    }
  }
  const labels = validation.map((s) => s.label);
  meta.calibration = fitPlatt(logits, labels);
  const scores = logits.map((z) => sigmoid(meta.calibration.a * z + meta.calibration.b));
  meta.threshold = thresholdForFpr(
    scores.filter((_, i) => labels[i] === 0),
    p.maxFpr,
  );

  progress({ phase: "evaluate", done: 0, total: 1 });
  const scored = validation.map((s, i) => ({
    score: scores[i]!,
    label: s.label,
    source: s.source,
    category: s.category,
  }));
  const final = new BuiltinModel(meta, provisional.weights, provisional.categoryWeights);
  const finalDetector = new BuiltinDetector(final);
  let right = 0;
  let flaggedAttacks = 0;
  validation.forEach((s, i) => {
    if (s.label !== 1 || scores[i]! < meta.threshold || !isCategory(s.category)) return;
    flaggedAttacks++;
    if (finalDetector.detect(s.text, { evidence: false }).category === s.category) right++;
  });
  const report: ValidationReport = {
    threshold: meta.threshold,
    overall: binaryMetrics(scored, meta.threshold),
    bySource: metricsBy(scored, (x) => x.source, meta.threshold),
    byCategory: metricsBy(scored, (x) => x.category, meta.threshold),
    categoryAccuracy: flaggedAttacks ? right / flaggedAttacks : null,
  };
  const durationMs = performance.now() - started;
  meta.metrics = {
    validation: { ...report.overall, threshold: meta.threshold, categoryAccuracy: report.categoryAccuracy },
  };
  meta.training = {
    rows: samples.length,
    trainRows: train.length,
    validationRows: validation.length,
    durationMs: Math.round(durationMs),
    environment: { node: process.version, platform: platform(), release: release(), cpus: cpus().length },
    ...options.lineage,
  };
  const artifact = final.serialize();
  const model = BuiltinModel.deserialize(artifact);
  progress({ phase: "evaluate", done: 1, total: 1 });
  return { model, artifact, report, durationMs, params: p };
}

function trainCategory(head: AdagradSoftmax, v: FeatureVector, category: string, weight: number): void {
  const c = (CATEGORIES as readonly string[]).indexOf(category);
  if (c >= 0) head.step(v, c, weight);
}

/** A window's features, copied out of the extractor's reused buffer. */
export interface CachedWindow extends FeatureVector {
  prior: number;
}

/**
 * Window features per sample, computed once. Features depend only on the text and the
 * feature settings, so one cache serves every epoch, and every fold of a cross-validation.
 */
export class FeatureCache {
  private readonly entries = new WeakMap<Sample, CachedWindow[]>();

  windows(
    sample: Sample,
    analyser: WindowAnalyser,
    window: { size: number; stride: number },
  ): CachedWindow[] {
    const hit = this.entries.get(sample);
    if (hit) return hit;
    const out: CachedWindow[] = [];
    for (const part of windows(sample.text, window.size, window.stride)) {
      const a = analyser.analyse(part.text);
      if (!a.normalized) continue;
      const v = a.vector;
      out.push({ ...v, idx: v.idx.slice(), prior: a.prior });
    }
    this.entries.set(sample, out);
    return out;
  }
}
