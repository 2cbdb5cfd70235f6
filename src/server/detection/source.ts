/**
 * The production model for the service: the production version of `builtin` in the model
 * registry, its SHA-256 checked on load. On a fresh registry the first start trains one
 * from the bundled corpus (progress shown by the caller), registers it as 1.0.0 and
 * promotes it, so the second start loads it in about a second.
 */
import type { AuditSink } from "../../audit/sink.js";
import type { BulwarkConfig } from "../../core/config.js";
import type { DatabaseHandle } from "../../db/open.js";
import { BuiltinDetector } from "../../detect/builtin.js";
import { loadDefaultModel } from "../../app/default-model.js";
import { ModelRegistry } from "../../registry/registry.js";
import type { ObjectStore } from "../../storage/types.js";
import type { TrainProgress } from "../../train/builtin-trainer.js";
import type { ModelSource } from "./models.js";

export interface SourceDeps {
  db: DatabaseHandle;
  store: ObjectStore;
  audit: AuditSink;
  onTrainProgress?: ((p: TrainProgress) => void) | undefined;
  onWarning?: (message: string) => void;
  /** Told when there was no production model and one was put there: the shipped one, or one trained. */
  onBootstrap?: ((how: "shipped" | "trained", ref: string) => void) | undefined;
}

export function registryModelSource(config: BulwarkConfig, deps: SourceDeps): ModelSource {
  const registry = new ModelRegistry(deps.db, deps.store, { actor: "system:server", audit: deps.audit });
  return {
    async load() {
      const { model, version, bootstrapped } = await loadDefaultModel({
        config,
        actor: "system:server",
        audit: deps.audit,
        db: deps.db,
        store: deps.store,
        ...(deps.onTrainProgress ? { onTrainProgress: deps.onTrainProgress } : {}),
        ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
      });
      if (bootstrapped) deps.onBootstrap?.(bootstrapped, version.ref);
      return new BuiltinDetector(model, { threshold: config.detector.threshold });
    },
    productionSha256: async () => (await registry.production(config.detector.model))?.sha256,
  };
}
