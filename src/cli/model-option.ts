/** The CLI's way to get a detector: `--model PATH` or the default model, with training progress shown. */
import type { BuiltinDetector } from "../detect/builtin.js";
import { announceBootstrap, firstStartProgress } from "./progress.js";

export async function detectorFromOptions(opts: {
  model?: string;
  threshold?: number;
}): Promise<BuiltinDetector> {
  // Loaded here: the production model source opens the registry, which needs the database and the store.
  const { productionDetector } = await import("../app/production-detector.js");
  const progress = firstStartProgress();
  try {
    return await productionDetector({
      model: opts.model,
      threshold: opts.threshold,
      onTrainProgress: progress.onTrainProgress,
      onBootstrap: announceBootstrap,
    });
  } finally {
    progress.stop();
  }
}
