/**
 * The production model for the service. On embedded defaults with an empty model store
 * the built-in model is trained from the bundled corpus on first start (progress shown
 * by the caller) and saved, so the second start loads it in a second.
 */
import type { BulwarkConfig } from "../../core/config.js";
import type { HashChainAuditLog } from "../../core/audit-chain.js";
import type { DatabaseHandle } from "../../db/open.js";
import { createDetector } from "../../detect/create.js";
import type { ObjectStore } from "../../storage/types.js";
import type { TrainProgress } from "../../train/builtin-trainer.js";
import type { ModelSource } from "./models.js";

export interface SourceDeps {
  db: DatabaseHandle;
  store: ObjectStore;
  audit: HashChainAuditLog;
  onTrainProgress?: ((p: TrainProgress) => void) | undefined;
}

export function defaultModelSource(config: BulwarkConfig, deps: SourceDeps): ModelSource {
  return {
    load: () =>
      createDetector({
        home: config.home,
        ...(deps.onTrainProgress ? { onTrainProgress: deps.onTrainProgress } : {}),
      }),
  };
}
