/**
 * Where each phase of a training run sits on a progress bar (0..1), for the callers that
 * show one (the training job, the learning cycle). With thresholdFolds, k more trainings
 * (the `folds` phase) follow the first, so the first gets 1/(k+1) of the bar.
 */
import type { TrainPhase } from "./types.js";

export function phaseSpans(folds: number): Record<TrainPhase, [number, number]> {
  const first = 0.9 / (1 + (folds >= 2 ? folds : 0));
  const at = (x: number) => (x / 0.9) * first;
  return {
    split: [0, at(0.05)],
    features: [at(0.05), at(0.3)],
    train: [at(0.3), first],
    folds: [first, 0.95],
    calibrate: [0.95, 0.97],
    evaluate: [0.97, 1],
  };
}
