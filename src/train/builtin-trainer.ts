/**
 * Trains the built-in model: a split by related-text groups, FTRL on windows (see
 * learner.ts), a category head on attacks, Platt calibration on the validation split and a
 * threshold for at most `maxFpr` false positives on benign validation texts. Deterministic
 * for a seed.
 *
 * Two paths share every learning step: in memory (window features computed once and reused
 * by every epoch) and streaming (the source is read once per epoch, features recomputed,
 * memory bounded by the model, a shuffle buffer and a validation reservoir), so a dataset
 * of any size trains in constant memory.
 */
import { cpus, platform, release } from "node:os";
import { performance } from "node:perf_hooks";
import type { Sample } from "../data/sample.js";
import { WindowAnalyser } from "../detect/analysis.js";
import { BuiltinDetector } from "../detect/builtin.js";
import { fitPlatt } from "../detect/calibration.js";
import { DEFAULT_FEATURES, FeatureExtractor, weightCount, type FeatureConfig } from "../detect/features.js";
import { loadEmbeddings } from "../detect/embeddings.js";
import { BuiltinModel, MODEL_FORMAT, sigmoid, type ModelMeta } from "../detect/model.js";
import { RuleSet, type RulesDocument } from "../detect/rules.js";
import { isCategory } from "../detect/types.js";
import { windows } from "../text/windows.js";
import { benignChat, indirectInjections, isChatBase, isContext, isPayload } from "./augment.js";
import { WindowLearner, type WindowFeatures } from "./learner.js";
import { binaryMetrics, metricsBy, thresholdForFpr, type BinaryMetrics } from "./metrics.js";
import { mulberry32, shuffleInPlace } from "../core/random.js";
import {
  isStream,
  Reservoir,
  shuffleBuffer,
  streamOf,
  type SampleSource,
  type SampleStream,
} from "./sources.js";
import { groupSplit, unitHash, splitKey } from "./split.js";

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
  /** Benign requests wrapped in greetings, as a multiple of the training benign rows (0: none). */
  augmentChat: number;
}

export const DEFAULT_PARAMS: TrainParams = {
  seed: 1337,
  epochs: 6,
  alpha: 0.2,
  beta: 1,
  l1: 0.0002,
  l2: 0.0001,
  positiveWeight: 1,
  sourceBalance: 1,
  validationFraction: 0.15,
  maxFpr: 0.01,
  features: DEFAULT_FEATURES,
  categoryBits: 18,
  categoryLr: 0.2,
  window: { size: 1024, stride: 768 },
  augmentIndirect: 0,
  augmentChat: 0.1,
};

/** Above this many characters an in-memory array trains on the streaming path (bounded memory). */
const IN_MEMORY_CHAR_LIMIT = 64_000_000;
/** Streaming keeps at most this many validation texts (for calibration and metrics). */
const MAX_STREAM_VALIDATION = 20_000;
const SHUFFLE_BUFFER = 8192;
const POOL_SIZE = 5000;

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
  /** Rows trained on (after the split, including synthetic ones) and held out. */
  rows: { total: number; train: number; validation: number; synthetic: number };
}

export function resolveParams(overrides: Partial<TrainParams> = {}): TrainParams {
  const features = { ...DEFAULT_PARAMS.features, ...overrides.features };
  // Pin the exact embedding table the model is trained with.
  if (features.embeddings) {
    const table = loadEmbeddings(features.embeddings.name);
    features.embeddings = { name: table.name, dims: table.dims, sha256: table.sha256 };
  }
  return {
    ...DEFAULT_PARAMS,
    ...overrides,
    features,
    window: { ...DEFAULT_PARAMS.window, ...overrides.window },
  };
}

interface SourceCount {
  rows: number;
  positives: number;
}

/** Per-sample weight: positives x positiveWeight, each source scaled by rows^-sourceBalance, mean 1. */
class SampleWeights {
  private readonly scale: number;
  constructor(
    private readonly perSource: ReadonlyMap<string, SourceCount>,
    private readonly p: TrainParams,
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

function countSample(counts: Map<string, SourceCount>, s: Sample): void {
  const c = counts.get(s.source);
  if (c) {
    c.rows++;
    if (s.label === 1) c.positives++;
  } else counts.set(s.source, { rows: 1, positives: s.label });
}

function analyseWindows(
  sample: Sample,
  analyser: WindowAnalyser,
  window: { size: number; stride: number },
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

/**
 * Window features per sample, computed once. Features depend only on the text and the
 * feature settings, so one cache serves every epoch, and every fold of a cross-validation.
 */
export class FeatureCache {
  private readonly entries = new WeakMap<Sample, WindowFeatures[]>();

  windows(
    sample: Sample,
    analyser: WindowAnalyser,
    window: { size: number; stride: number },
  ): WindowFeatures[] {
    let hit = this.entries.get(sample);
    if (!hit) {
      hit = analyseWindows(sample, analyser, window);
      this.entries.set(sample, hit);
    }
    return hit;
  }
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

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

  let validation: Sample[];
  let rows: TrainResult["rows"];
  const inMemory = !isStream(source) && source.reduce((n, s) => n + s.text.length, 0) <= IN_MEMORY_CHAR_LIMIT;
  if (inMemory) {
    ({ validation, rows } = await trainInMemory(
      source as readonly Sample[],
      p,
      analyser,
      learner,
      options,
      progress,
    ));
  } else {
    const stream = isStream(source) ? source : streamOf(source);
    ({ validation, rows } = await trainStreaming(stream, p, analyser, learner, progress));
  }
  if (rows.train === 0 || validation.length === 0) {
    throw new Error(
      `training needs more data: ${rows.total} rows give ${rows.train} training and ${validation.length} validation rows`,
    );
  }
  return finish(learner, validation, rows, p, options, progress, started);
}

async function trainInMemory(
  samples: readonly Sample[],
  p: TrainParams,
  analyser: WindowAnalyser,
  learner: WindowLearner,
  options: TrainOptions,
  progress: (x: TrainProgress) => void,
): Promise<{ validation: Sample[]; rows: TrainResult["rows"] }> {
  progress({ phase: "split", done: 0, total: 1 });
  const split = groupSplit(samples, p.validationFraction, p.seed);
  const attacks = split.train.filter((s) => s.label === 1).length;
  const synthetic = indirectInjections(
    split.train.filter(isContext),
    split.train.filter(isPayload),
    Math.round(p.augmentIndirect * attacks),
    p.seed,
  );
  const benign = split.train.filter((s) => s.label === 0).length;
  synthetic.push(...benignChat(split.train.filter(isChatBase), Math.round(p.augmentChat * benign), p.seed));
  const train = [...split.train, ...synthetic];
  const counts = new Map<string, SourceCount>();
  for (const s of train) countSample(counts, s);
  const weights = new SampleWeights(counts, p);

  const cache = options.featureCache ?? new FeatureCache();
  const features: WindowFeatures[][] = [];
  for (let i = 0; i < train.length; i++) {
    features.push(cache.windows(train[i]!, analyser, p.window));
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

/** Validation membership on the streaming path: by a hash of the text's opening, so near-copies agree. */
function inValidation(s: Sample, p: TrainParams): boolean {
  return unitHash(`${s.source}:${splitKey(s.text).slice(0, 64)}`, p.seed) < p.validationFraction;
}

async function trainStreaming(
  stream: SampleStream,
  p: TrainParams,
  analyser: WindowAnalyser,
  learner: WindowLearner,
  progress: (x: TrainProgress) => void,
): Promise<{ validation: Sample[]; rows: TrainResult["rows"] }> {
  // Pass 0: counts for the weights, the validation reservoir, pools for augmentation.
  const perSource = new Map<string, SourceCount>();
  let positives = 0;
  let trainRows = 0;
  let totalRows = 0;
  const validation = new Reservoir<Sample>(MAX_STREAM_VALIDATION, p.seed);
  const contexts = new Reservoir<Sample>(POOL_SIZE, p.seed + 1);
  const payloads = new Reservoir<Sample>(POOL_SIZE, p.seed + 2);
  const chatBases = new Reservoir<Sample>(POOL_SIZE, p.seed + 3);
  let benignRows = 0;
  for await (const s of stream.samples()) {
    totalRows++;
    if (inValidation(s, p)) {
      validation.offer(s);
      continue;
    }
    trainRows++;
    countSample(perSource, s);
    if (s.label === 1) positives++;
    if (isContext(s)) contexts.offer(s);
    if (isPayload(s)) payloads.offer(s);
    if (isChatBase(s)) chatBases.offer(s);
    if (s.label === 0) benignRows++;
    if (totalRows % 10_000 === 0) {
      progress({ phase: "split", done: totalRows, total: 0 });
      await yieldToLoop();
    }
  }
  const synthetic = indirectInjections(
    contexts.items,
    payloads.items,
    Math.min(MAX_STREAM_VALIDATION, Math.round(p.augmentIndirect * positives)),
    p.seed,
  );
  synthetic.push(
    ...benignChat(
      chatBases.items,
      Math.min(MAX_STREAM_VALIDATION, Math.round(p.augmentChat * benignRows)),
      p.seed,
    ),
  );
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

async function finish(
  learner: WindowLearner,
  validation: readonly Sample[],
  rows: TrainResult["rows"],
  p: TrainParams,
  options: TrainOptions,
  progress: (x: TrainProgress) => void,
  started: number,
): Promise<TrainResult> {
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
  const provisional = new BuiltinModel(meta, learner.binary.weights(), learner.category.w);
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
    rows,
    durationMs: Math.round(durationMs),
    environment: { node: process.version, platform: platform(), release: release(), cpus: cpus().length },
    ...options.lineage,
  };
  const artifact = final.serialize();
  const model = BuiltinModel.deserialize(artifact);
  progress({ phase: "evaluate", done: 1, total: 1 });
  return { model, artifact, report, durationMs, params: p, rows };
}
