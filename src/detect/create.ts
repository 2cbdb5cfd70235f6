/** `createDetector`: the library's front door. */
import type { AuditSink } from "../core/audit.js";
import { loadConfig } from "../core/config.js";
import type { DatabaseHandle } from "../db/open.js";
import type { ObjectStore } from "../storage/types.js";
import type { TrainProgress } from "../train/builtin-trainer.js";
import { BuiltinDetector } from "./builtin.js";
import { BuiltinModel } from "./model.js";
import { loadDefaultModel, loadModelFile } from "./store.js";

export interface CreateDetectorOptions {
  /**
   * A model artifact path, or a loaded model. Default: the production version of model
   * `builtin` in the registry (SHA-256 verified), trained and promoted on first start.
   */
  model?: string | BuiltinModel;
  /** Decision threshold in [0, 1]; default: the model's own (at most 1% false positives on validation). */
  threshold?: number;
  /** Window size and stride in characters for long texts. */
  window?: { size: number; stride: number };
  /** BULWARK_HOME to use instead of the configured one. */
  home?: string;
  onTrainProgress?: (p: TrainProgress) => void;
  /** Where warnings go (default: process warnings), e.g. a refused production artifact. */
  onWarning?: (message: string) => void;
  /** Receives audit entries (a refused artifact, the first-start promotion). */
  audit?: AuditSink;
  /** An open metadata database and object store to use (a server passes its own). */
  db?: DatabaseHandle;
  store?: ObjectStore;
}

export async function createDetector(options: CreateDetectorOptions = {}): Promise<BuiltinDetector> {
  const config = loadConfig(options.home ? { ...process.env, BULWARK_HOME: options.home } : process.env);
  let model: BuiltinModel;
  if (options.model instanceof BuiltinModel) model = options.model;
  else if (typeof options.model === "string") model = await loadModelFile(options.model);
  else
    model = (
      await loadDefaultModel({
        config,
        ...(options.onTrainProgress ? { onTrainProgress: options.onTrainProgress } : {}),
        onWarning: options.onWarning ?? ((m) => process.emitWarning(m, "BulwarkModelWarning")),
        ...(options.audit ? { audit: options.audit } : {}),
        ...(options.db ? { db: options.db } : {}),
        ...(options.store ? { store: options.store } : {}),
      })
    ).model;
  const threshold = options.threshold ?? config.detector.threshold;
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`threshold must be within [0, 1], got ${threshold}`);
  }
  return new BuiltinDetector(model, { threshold, window: options.window });
}
