/** `createDetector`: the library's front door. */
import { loadConfig } from "../core/config.js";
import type { TrainProgress } from "../train/builtin-trainer.js";
import { BuiltinDetector } from "./builtin.js";
import { BuiltinModel } from "./model.js";
import { defaultModelPath, loadModelFile, loadOrTrainDefault } from "./store.js";

export interface CreateDetectorOptions {
  /** A model artifact path, or a loaded model. Default: the model under BULWARK_HOME, trained on first use. */
  model?: string | BuiltinModel;
  /** Decision threshold in [0, 1]; default: the model's own (at most 1% false positives on validation). */
  threshold?: number;
  /** Window size and stride in characters for long texts. */
  window?: { size: number; stride: number };
  home?: string;
  onTrainProgress?: (p: TrainProgress) => void;
}

export async function createDetector(options: CreateDetectorOptions = {}): Promise<BuiltinDetector> {
  const config = loadConfig();
  let model: BuiltinModel;
  if (options.model instanceof BuiltinModel) model = options.model;
  else if (typeof options.model === "string") model = await loadModelFile(options.model);
  else
    model = (await loadOrTrainDefault(defaultModelPath(options.home ?? config.home), options.onTrainProgress))
      .model;
  const threshold = options.threshold ?? config.detector.threshold;
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`threshold must be within [0, 1], got ${threshold}`);
  }
  return new BuiltinDetector(model, { threshold, window: options.window });
}
