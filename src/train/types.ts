/**
 * The vocabulary of a training run of the built-in model: the options that go in, the
 * progress reported on the way, and the result and validation report that come out. Its
 * own file so the training paths and the front door (builtin-trainer.ts) share it without
 * importing each other.
 */
import type { Sample } from "../data/sample.js";
import type { BuiltinModel } from "../detect/model.js";
import type { RulesDocument } from "../detect/rules.js";
import type { FeatureCache } from "./feature-cache.js";
import type { BinaryMetrics } from "./metrics.js";
import type { TrainParams, TrainParamsOverrides } from "./params.js";

/** `folds`: the extra models of `thresholdFolds`, each trained with a group of sources held out. */
export type TrainPhase = "split" | "features" | "train" | "folds" | "calibrate" | "evaluate";

export interface TrainProgress {
  phase: TrainPhase;
  done: number;
  total: number;
  epoch?: number;
}

export type OnProgress = (p: TrainProgress) => void;

export interface TrainOptions {
  name?: string;
  version?: string;
  params?: TrainParamsOverrides;
  rules: RulesDocument;
  onProgress?: OnProgress;
  /** Shares window features between runs over the same samples (cross-validation). */
  featureCache?: FeatureCache;
  /** Extra facts recorded in the model's training section (dataset ids, hashes...). */
  lineage?: Record<string, unknown>;
}

/** Rows trained on (after the split, including synthetic ones) and held out. */
export interface TrainRows {
  total: number;
  train: number;
  validation: number;
  synthetic: number;
}

/** Scores from models that never saw a text's source (source-folds.ts). */
export interface HeldOutScores {
  /** The sources held out by each fold, in fold order. */
  groups: string[][];
  /** Every row's source names, indexed by `sourceOf`. */
  sources: string[];
  /** Per scored row: the logit of the fold model that never saw its source, its label, its source. */
  logits: number[];
  labels: (0 | 1)[];
  sourceOf: number[];
}

/** With thresholdFolds: the fold models' verdicts on the sources each never saw, at the final threshold. */
export interface HeldOutReport {
  /** The sources each fold held out. */
  groups: string[][];
  overall: BinaryMetrics;
  bySource: Record<string, BinaryMetrics>;
}

export interface ValidationReport {
  threshold: number;
  overall: BinaryMetrics;
  bySource: Record<string, BinaryMetrics>;
  byCategory: Record<string, BinaryMetrics>;
  categoryAccuracy: number | null;
  heldOutSources?: HeldOutReport;
}

export interface TrainResult {
  model: BuiltinModel;
  artifact: Buffer;
  report: ValidationReport;
  durationMs: number;
  params: TrainParams;
  rows: TrainRows;
  /** With thresholdFolds: the out-of-fold scores calibration and threshold were fitted on. */
  heldOut?: HeldOutScores;
}

/** What a training path (in memory or streaming) leaves for calibration besides the learner. */
export interface PathResult {
  validation: Sample[];
  rows: TrainRows;
}
