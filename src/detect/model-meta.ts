/**
 * What a built-in model file says about itself (its header, less the section table). Kept
 * apart from model.ts so the header checker can name it without importing the model.
 */
import type { FeatureConfig } from "./features.js";
import type { RulesDocument } from "./rules.js";

export const MODEL_FORMAT = "bulwark-builtin/1";

export interface Calibration {
  /** p = sigmoid(a * logit + b) */
  a: number;
  b: number;
}

export interface ModelMeta {
  format: typeof MODEL_FORMAT;
  name: string;
  version: string;
  createdAt: string;
  features: FeatureConfig;
  categoryBits: number;
  window: { size: number; stride: number };
  calibration: Calibration;
  threshold: number;
  bias: number;
  categoryBias: number[];
  rules: RulesDocument;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  training: Record<string, unknown>;
}
