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

export type TrainPhase = "split" | "features" | "train" | "calibrate" | "evaluate";

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
  rows: TrainRows;
}

/** What a training path (in memory or streaming) leaves for calibration besides the learner. */
export interface PathResult {
  validation: Sample[];
  rows: TrainRows;
}
