/**
 * The detector the CLI and the service use: the registry's production model (SHA-256
 * verified; the shipped model registered and promoted on first start), or a model file
 * named by `--model`, with the configured threshold.
 */
import type { AuditSink } from "../audit/sink.js";
import { loadConfig } from "../core/config.js";
import type { DatabaseHandle } from "../db/open.js";
import type { BuiltinDetector } from "../detect/builtin.js";
import { createDetector, checkThreshold } from "../detect/create.js";
import type { ObjectStore } from "../storage/types.js";
import type { TrainProgress } from "../train/builtin-trainer.js";

export interface ProductionDetectorOptions {
  /** A model artifact path instead of the registry's production version. */
  model?: string;
  threshold?: number;
  window?: { size: number; stride: number };
  /** BULWARK_HOME to use instead of the configured one. */
  home?: string;
  onTrainProgress?: (p: TrainProgress) => void;
  /** Told when there was no production model and one was put there: the shipped one, or one trained. */
  onBootstrap?: (how: "shipped" | "trained", ref: string) => void;
  /** Where warnings go (default: process warnings), e.g. a refused production artifact. */
  onWarning?: (message: string) => void;
  /** Receives audit entries (a refused artifact, the first-start promotion). */
  audit?: AuditSink;
  db?: DatabaseHandle;
  store?: ObjectStore;
}

export async function productionDetector(options: ProductionDetectorOptions = {}): Promise<BuiltinDetector> {
  const config = loadConfig(options.home ? { ...process.env, BULWARK_HOME: options.home } : process.env);
  const threshold = options.threshold ?? config.detector.threshold;
  checkThreshold(threshold);
  const common = { threshold, ...(options.window ? { window: options.window } : {}) };
  if (options.model) return createDetector({ model: options.model, ...common });
  // Loaded only now: `--model FILE` needs no database, store or registry.
  const { loadDefaultModel } = await import("./default-model.js");
  const { model, version, bootstrapped } = await loadDefaultModel({
    config,
    ...(options.onTrainProgress ? { onTrainProgress: options.onTrainProgress } : {}),
    onWarning: options.onWarning ?? ((m) => process.emitWarning(m, "BulwarkModelWarning")),
    ...(options.audit ? { audit: options.audit } : {}),
    ...(options.db ? { db: options.db } : {}),
    ...(options.store ? { store: options.store } : {}),
  });
  if (bootstrapped) options.onBootstrap?.(bootstrapped, version.ref);
  return createDetector({ model, ...common });
}
