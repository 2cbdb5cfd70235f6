/**
 * Comparison: two verified versions, each wrapped in its format's detector, so that
 * `bulwark models compare` can evaluate them side by side on the same data. A format
 * without a detector (one that does not detect on its own) cannot be compared.
 */
import { BulwarkError } from "../core/errors.js";
import type { Detector } from "../detect/types.js";
import { modelFormat } from "./model-formats.js";
import { load } from "./loading.js";
import type { LoadedModel, RegistryContext } from "./types.js";

export type EvaluableModel = LoadedModel & { detector: Detector };

/** Detectors over two verified versions, for side-by-side evaluation. */
export async function detectors(
  ctx: RegistryContext,
  a: string,
  b: string,
): Promise<[EvaluableModel, EvaluableModel]> {
  return [await evaluable(ctx, a), await evaluable(ctx, b)];
}

/** One verified version wrapped in its format's detector (MODEL_NOT_EVALUABLE when it has none). */
export async function evaluable(ctx: RegistryContext, ref: string): Promise<EvaluableModel> {
  const loaded = await load(ctx, ref);
  const format = modelFormat(loaded.version.format);
  if (!format.detector)
    throw new BulwarkError(
      "MODEL_NOT_EVALUABLE",
      `models of format ${format.format} have no detector to evaluate`,
      400,
      { ref },
    );
  return { ...loaded, detector: format.detector(loaded.model) };
}
