/**
 * The shadow model as something that detects: a registry version loaded by `name@version`
 * (its files' SHA-256s checked, through the server's model cache) and wrapped in its
 * format's detector, with the threshold it would serve with if it were promoted (the
 * configured one for a built-in model, as src/server/detection/source.ts does).
 */
import { BulwarkError } from "../../core/errors.js";
import { MODEL_FORMAT } from "../../detect/model-meta.js";
import type { Detector } from "../../detect/types.js";
import { modelFormat } from "../../registry/model-formats.js";
import type { ModelRegistry } from "../../registry/registry.js";

export async function loadShadowDetector(
  registry: ModelRegistry,
  ref: string,
  builtinThreshold: number | undefined,
): Promise<Detector> {
  const loaded = await registry.load(ref);
  const format = modelFormat(loaded.version.format);
  if (!format.detector)
    throw new BulwarkError(
      "MODEL_NOT_EVALUABLE",
      `${ref} has format ${format.format}, which does not detect on its own`,
      400,
      { ref },
    );
  const threshold = format.format === MODEL_FORMAT ? builtinThreshold : undefined;
  return format.detector(loaded.model, threshold !== undefined ? { threshold } : {});
}
