/**
 * `bulwark models import DIR --format onnx`: a Hugging Face style folder (config.json with
 * id2label, tokenizer.json, an ONNX export of the classifier) registered as a version of
 * the onnx-transformer/1 format. The folder is loaded and run once before anything is
 * stored, so a folder that cannot serve is refused here with the reason, not at promotion.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, resolve as resolvePath } from "node:path";
import { ValidationError } from "../core/errors.js";
import { labelMap } from "../detect/onnx/labels.js";
import { defaultSettings, type OnnxSettings } from "../detect/onnx/settings.js";
import { modelMaxLength } from "../detect/onnx/tokenizer.js";
import { buildOnnxModel, ONNX_FILES, ONNX_FORMAT } from "./onnx-format.js";
import type { ModelRegistry } from "./registry.js";
import type { ModelVersion } from "./types.js";

/** Where exports put the graph, in the order one is picked when the folder has several. */
export const GRAPH_CANDIDATES = [
  "model.onnx",
  "onnx/model.onnx",
  "model_quantized.onnx",
  "onnx/model_quantized.onnx",
  "model_int8.onnx",
  "onnx/model_int8.onnx",
];

export interface OnnxImportInput {
  dir: string;
  /** Default: the folder's name, made a valid model name. */
  name?: string;
  version?: string;
  /** The graph inside the folder (default: the first of GRAPH_CANDIDATES there). */
  file?: string;
  /** Labels that mean an attack (default: INJECTION, JAILBREAK, MALICIOUS, LABEL_1...). */
  attackLabels?: string[];
  /** Tokens per window (default: the model's maximum sequence length). */
  maxLength?: number;
  threshold?: number;
  description?: string;
}

async function readJson(dir: string, file: string, required: boolean): Promise<Buffer | undefined> {
  const path = join(dir, file);
  if (!existsSync(path)) {
    if (!required) return undefined;
    throw new ValidationError(`${dir} has no ${file}: copy the whole exported model folder`);
  }
  const bytes = await readFile(path);
  try {
    JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new ValidationError(`${path} is not JSON: ${(err as Error).message}`);
  }
  return bytes;
}

/** The folder's name as a model name: lower case, other characters as "-". */
function nameOf(dir: string): string {
  return basename(resolvePath(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 64);
}

function graphFile(dir: string, file: string | undefined): string {
  if (file !== undefined) {
    if (!existsSync(join(dir, file))) throw new ValidationError(`${dir} has no ${file}`);
    return file;
  }
  const found = GRAPH_CANDIDATES.find((f) => existsSync(join(dir, f)));
  if (!found)
    throw new ValidationError(
      `${dir} has no ONNX graph (looked for ${GRAPH_CANDIDATES.join(", ")}): export the model with optimum, or name the file with --file`,
    );
  return found;
}

/** Checks the folder, runs it once, and registers it with the SHA-256 of every file. */
export async function importOnnxFolder(
  registry: ModelRegistry,
  input: OnnxImportInput,
): Promise<ModelVersion> {
  const dir = input.dir;
  if (!existsSync(dir)) throw new ValidationError(`no folder ${dir}`);
  const config = (await readJson(dir, ONNX_FILES.config, true))!;
  const tokenizer = (await readJson(dir, ONNX_FILES.tokenizer, true))!;
  const tokenizerConfig = await readJson(dir, ONNX_FILES.tokenizerConfig, false);
  const parsed = (b: Buffer | undefined): unknown => (b ? JSON.parse(b.toString("utf8")) : undefined);
  const labels = labelMap((parsed(config) as { id2label?: unknown }).id2label, input.attackLabels);
  const maxLength =
    input.maxLength ?? modelMaxLength(parsed(config), parsed(tokenizerConfig), parsed(tokenizer));
  const settings: OnnxSettings = {
    ...defaultSettings(
      labels.attack.map((i) => labels.names[i]!),
      maxLength,
    ),
    ...(input.threshold !== undefined ? { threshold: input.threshold } : {}),
  };
  const companions: Record<string, Buffer> = {
    [ONNX_FILES.config]: config,
    [ONNX_FILES.tokenizer]: tokenizer,
    ...(tokenizerConfig ? { [ONNX_FILES.tokenizerConfig]: tokenizerConfig } : {}),
    [ONNX_FILES.settings]: Buffer.from(`${JSON.stringify(settings, null, 2)}\n`),
  };
  const file = graphFile(dir, input.file);
  const graph = await readFile(join(dir, file));
  // Loaded and run once: a graph, tokenizer or label set that does not fit is refused now.
  const trial = await buildOnnxModel(graph, companions, dir);
  await trial.classifier.release();
  return registry.register({
    name: input.name ?? nameOf(dir),
    ...(input.version !== undefined ? { version: input.version } : {}),
    format: ONNX_FORMAT,
    artifact: graph,
    companions,
    params: { importedFrom: { folder: basename(resolvePath(dir)), file }, labels: labels.names, settings },
    ...(input.description !== undefined ? { description: input.description } : {}),
  });
}
