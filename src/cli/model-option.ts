/** The CLI's way to get a detector: `--model PATH` or the default model, with training progress shown. */
import { productionDetector } from "../app/production-detector.js";
import type { BuiltinDetector } from "../detect/builtin.js";
import { firstStartProgress } from "./progress.js";

export async function detectorFromOptions(opts: {
  model?: string;
  threshold?: number;
}): Promise<BuiltinDetector> {
  const progress = firstStartProgress();
  try {
    return await productionDetector({
      model: opts.model,
      threshold: opts.threshold,
      onTrainProgress: progress.onTrainProgress,
    });
  } finally {
    progress.stop();
  }
}
