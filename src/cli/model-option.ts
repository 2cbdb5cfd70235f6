/** The CLI's way to get a detector: `--model PATH` or the default model, with training progress shown. */
import { createDetector } from "../detect/create.js";
import type { BuiltinDetector } from "../detect/builtin.js";
import { createProgress } from "./progress.js";

export function parseThreshold(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new Error(`--threshold must be a number within [0, 1], got "${value}"`);
  return n;
}

export async function detectorFromOptions(opts: {
  model?: string;
  threshold?: number;
}): Promise<BuiltinDetector> {
  const progress = createProgress();
  let announced = false;
  try {
    return await createDetector({
      model: opts.model,
      threshold: opts.threshold,
      onTrainProgress: (p) => {
        if (!announced) {
          process.stderr.write(
            "bulwark: no model yet; training the built-in model on the bundled corpus (once)\n",
          );
          announced = true;
        }
        if (p.phase === "train") {
          progress.start(p.total, "training");
          progress.update(p.done);
        }
      },
    });
  } finally {
    progress.stop();
  }
}
