/** `--params` of `bulwark train` and `bulwark eval --loso`: training parameters as a JSON object. */
import { ValidationError } from "../core/errors.js";
import type { TrainParams } from "../train/builtin-trainer.js";

export function parseParams(json: string | undefined, seed?: number, epochs?: number): Partial<TrainParams> {
  let params: Partial<TrainParams> = {};
  if (json) {
    try {
      params = JSON.parse(json) as Partial<TrainParams>;
    } catch (err) {
      throw new ValidationError(`--params must be a JSON object: ${(err as Error).message}`);
    }
    if (!params || typeof params !== "object" || Array.isArray(params))
      throw new ValidationError("--params must be a JSON object");
  }
  if (seed !== undefined) params.seed = seed;
  if (epochs !== undefined) params.epochs = epochs;
  return params;
}
