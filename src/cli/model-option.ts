/** The CLI's way to get a detector: `--model PATH` or the default model, with training progress shown. */
import { InvalidArgumentError } from "commander";
import { productionDetector } from "../app/production-detector.js";
import type { BuiltinDetector } from "../detect/builtin.js";
import { announceBootstrap, firstStartProgress } from "./progress.js";

export function parseThreshold(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError("it must be a number within [0, 1]");
  return n;
}

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
      onBootstrap: announceBootstrap,
    });
  } finally {
    progress.stop();
  }
}
