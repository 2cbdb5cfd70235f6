/**
 * The production model for the service: the production version of the served model
 * (BULWARK_MODEL, `builtin` by default) in the model registry, its files' SHA-256s checked
 * on load. A built-in version is served as ever: on a fresh registry the first start
 * trains one from the bundled corpus (progress shown by the caller), registers it as 1.0.0
 * and promotes it, so the second start loads it in about a second. A version of any other
 * format (an ONNX transformer, an ensemble) is loaded through the model cache and served
 * by its format's detector, with the same fallback to the last good production version.
 */
import type { AuditSink } from "../../audit/sink.js";
import type { BulwarkConfig } from "../../core/config.js";
import type { DatabaseHandle } from "../../db/open.js";
import { BulwarkError, IntegrityError } from "../../core/errors.js";
import { BuiltinDetector } from "../../detect/builtin.js";
import { MODEL_FORMAT } from "../../detect/model-meta.js";
import type { Detector } from "../../detect/types.js";
import type { ModelCache } from "../../registry/model-cache.js";
import { modelFormat } from "../../registry/model-formats.js";
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
  /** Loaded versions kept for reuse (a promotion back to one is a swap, not a load). */
  cache?: ModelCache;
}

export function registryModelSource(config: BulwarkConfig, deps: SourceDeps): ModelSource {
  const registry = new ModelRegistry(deps.db, deps.store, {
    actor: "system:server",
    audit: deps.audit,
    ...(deps.cache ? { cache: deps.cache } : {}),
  });
  const name = config.detector.model;
  return {
    async load() {
      const production = await registry.production(name);
      if (production && production.format !== MODEL_FORMAT) return servedVersion(registry, config, deps);
      const latest = production ? undefined : (await registry.list({ name }))[0];
      // Only a built-in model is trained on first start; an ensemble waits to be promoted.
      if (latest && latest.format !== MODEL_FORMAT)
        throw new BulwarkError(
          "MODEL_NOT_READY",
          `${name} has no production version to serve: promote one (bulwark models promote ${latest.ref})`,
          503,
        );
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
    productionSha256: async () => (await registry.production(name))?.sha256,
  };
}

/** The production version of any format, through the cache, as its format's detector. */
async function servedVersion(
  registry: ModelRegistry,
  config: BulwarkConfig,
  deps: SourceDeps,
): Promise<Detector> {
  const name = config.detector.model;
  const loaded = await registry.loadProduction(name, { fallback: true });
  if (!loaded)
    throw new BulwarkError("MODEL_NOT_READY", `${name} has no production version any more: promote one`, 503);
  if (loaded.fallbackFrom)
    deps.onWarning?.(
      `${loaded.refusal?.message ?? `${loaded.fallbackFrom.ref} was refused`}; serving the previous production version ${loaded.version.ref} instead (run \`bulwark models verify --all\`)`,
    );
  const format = modelFormat(loaded.version.format);
  if (!format.detector)
    throw new IntegrityError(
      `${loaded.version.ref} has format ${format.format}, which does not detect on its own`,
    );
  // The configured threshold is the built-in model's; other formats keep the one they were made with.
  const threshold = format.format === MODEL_FORMAT ? config.detector.threshold : undefined;
  return format.detector(loaded.model, threshold !== undefined ? { threshold } : {});
}
