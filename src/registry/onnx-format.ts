/**
 * The ONNX transformer format ("onnx-transformer/1"): a Hugging Face sequence classifier
 * exported to ONNX. The artifact is the graph (model.onnx); beside it config.json (its
 * labels), tokenizer.json (and tokenizer_config.json when the model has one) and
 * bulwark-onnx.json, the settings fixed at import. Each file's SHA-256 is checked before
 * `load` sees it; onnxruntime and the tokenizer are imported only when a version of this
 * format is loaded.
 */
import { IntegrityError, isBulwarkError } from "../core/errors.js";
import { OnnxClassifier } from "../detect/onnx/classifier.js";
import { OnnxDetector, type OnnxModel } from "../detect/onnx/detector.js";
import { labelMap } from "../detect/onnx/labels.js";
import { parseSettings, SETTINGS_FILE } from "../detect/onnx/settings.js";
import { TransformerTokenizer } from "../detect/onnx/tokenizer.js";
import type { ModelFormat } from "./format-types.js";

export const ONNX_FORMAT = "onnx-transformer/1";

/** The companion files by role. */
export const ONNX_FILES = {
  config: "config.json",
  tokenizer: "tokenizer.json",
  tokenizerConfig: "tokenizer_config.json",
  settings: SETTINGS_FILE,
} as const;

/** A loaded ONNX version: the model, and the name and SHA-256 its detector reports. */
export interface LoadedOnnx extends OnnxModel {
  ref: { name: string; version: string; sha256: string };
}

function json(files: Readonly<Record<string, Buffer>>, file: string, source: string): unknown {
  const bytes = files[file];
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new IntegrityError(`${source}: ${file} is not JSON (${(err as Error).message})`);
  }
}

/**
 * Builds the model from its files: the tokenizer, the label map, the settings and an
 * inference session, checked with one run so a graph that does not classify into the
 * config's labels is refused here, not on the first request.
 */
export async function buildOnnxModel(
  graph: Uint8Array,
  files: Readonly<Record<string, Buffer>>,
  source: string,
): Promise<OnnxModel> {
  const settings = parseSettings(json(files, ONNX_FILES.settings, source));
  const config = json(files, ONNX_FILES.config, source) as { id2label?: unknown } | undefined;
  const labels = labelMap(config?.id2label, settings.attackLabels);
  const tokenizer = await TransformerTokenizer.create(
    json(files, ONNX_FILES.tokenizer, source),
    json(files, ONNX_FILES.tokenizerConfig, source) ?? {},
  );
  const classifier = await OnnxClassifier.create(graph);
  const [probe] = await classifier.classify([tokenizer.encode("hello")], tokenizer.padId);
  if (probe?.length !== labels.names.length) {
    await classifier.release();
    throw new IntegrityError(
      `${source}: the model gives ${probe?.length ?? 0} outputs per text, but config.json names ${labels.names.length} labels (${labels.names.join(", ")})`,
    );
  }
  return { classifier, tokenizer, labels, settings };
}

export const onnxFormat: ModelFormat<LoadedOnnx> = {
  format: ONNX_FORMAT,
  family: "onnx",
  fileName: "model.onnx",
  contentType: "application/octet-stream",
  companions: [
    { fileName: ONNX_FILES.config, contentType: "application/json" },
    { fileName: ONNX_FILES.tokenizer, contentType: "application/json" },
    { fileName: ONNX_FILES.tokenizerConfig, contentType: "application/json", optional: true },
    { fileName: ONNX_FILES.settings, contentType: "application/json" },
  ],
  // onnxruntime holds the weights once more, optimised, beside the file's bytes.
  memoryFactor: 2,
  async load(bytes, source, companions, context) {
    try {
      const model = await buildOnnxModel(bytes, companions, source);
      if (!context) throw new IntegrityError(`${source}: an ONNX model is loaded through the registry`);
      const { name, version, sha256 } = context.version;
      return { ...model, ref: { name, version, sha256 } };
    } catch (err) {
      // Verified bytes that do not make a model: refused like a file that failed its check.
      if (isBulwarkError(err) && err.code === "VALIDATION_ERROR")
        throw new IntegrityError(`${source} cannot be loaded: ${err.message}`);
      throw err;
    }
  },
  detector: (model, options = {}) => new OnnxDetector(model.ref.name, model.ref, model, options),
};
