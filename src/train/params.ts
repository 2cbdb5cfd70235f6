/**
 * Training parameters: their defaults, and the parameters a run uses once a caller's
 * overrides are laid over them.
 */
import { loadEmbeddings } from "../detect/embeddings.js";
import { DEFAULT_FEATURES, type FeatureConfig } from "../detect/features.js";

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

export type TrainParamsOverrides = Partial<TrainParams>;

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

export function resolveParams(overrides: TrainParamsOverrides = {}): TrainParams {
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
