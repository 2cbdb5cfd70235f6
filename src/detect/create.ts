/**
 * `createDetector`: the library's front door. It loads the model shipped inside the
 * package (built from the bundled corpus when the package is built, its SHA-256 checked
 * against the manifest beside it) or a model file you name, and nothing else: no
 * database, no object store, no registry, no files written. The service's production
 * model comes from the registry instead (`app/production-detector.ts`).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { IntegrityError, ValidationError } from "../core/errors.js";
import { SHIPPED_MODEL_FILE, SHIPPED_MODEL_MANIFEST } from "../core/paths.js";
import { BuiltinDetector } from "./builtin.js";
import { BuiltinModel } from "./model.js";

export interface CreateDetectorOptions {
  /** A model artifact path, or a loaded model. Default: the model shipped with the package. */
  model?: string | BuiltinModel;
  /** Decision threshold in [0, 1]; default: the model's own (at most 1% false positives on validation). */
  threshold?: number;
  /** Window size and stride in characters for long texts. */
  window?: { size: number; stride: number };
}

/** What the package build records beside the shipped artifact. */
export interface ShippedModelManifest {
  sha256: string;
  name: string;
  version: string;
  /** Hash of everything the model was built from (corpus, rules, embeddings, trainer code). */
  inputs: string;
  /** The bundled corpus it was trained on, as the dataset catalogue hashes it. */
  corpusSha256: string;
  corpusRows: number;
  params: Record<string, unknown>;
  /** The trainer's validation report (train/ defines its shape). */
  report: Record<string, unknown>;
  rows: { total: number; train: number; validation: number; synthetic: number };
  durationMs: number;
}

export async function loadModelFile(path: string): Promise<BuiltinModel> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ValidationError(`model file ${path} does not exist`);
    if (code === "EISDIR") throw new ValidationError(`model file ${path} is a folder, not a model file`);
    throw err;
  }
  return BuiltinModel.deserialize(bytes, path);
}

export async function readShippedManifest(): Promise<ShippedModelManifest> {
  try {
    return JSON.parse(await readFile(SHIPPED_MODEL_MANIFEST, "utf8")) as ShippedModelManifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new ValidationError(
        `the model shipped with Bulwark is missing (${SHIPPED_MODEL_MANIFEST}): run \`npm run build\` in the package`,
      );
    throw err;
  }
}

/** The shipped model, refused unless its bytes match the SHA-256 its manifest recorded. */
export async function loadShippedModel(): Promise<{
  model: BuiltinModel;
  manifest: ShippedModelManifest;
  bytes: Buffer;
}> {
  const manifest = await readShippedManifest();
  const bytes = await readFile(SHIPPED_MODEL_FILE);
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== manifest.sha256)
    throw new IntegrityError(
      `the shipped model ${SHIPPED_MODEL_FILE} has SHA-256 ${actual}, not the ${manifest.sha256} its manifest recorded: it was altered; rebuild it with \`npm run build\``,
    );
  return { model: BuiltinModel.deserialize(bytes, SHIPPED_MODEL_FILE, actual), manifest, bytes };
}

export function checkThreshold(threshold: number | undefined): void {
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1))
    throw new RangeError(`threshold must be within [0, 1], got ${threshold}`);
}

export async function createDetector(options: CreateDetectorOptions = {}): Promise<BuiltinDetector> {
  checkThreshold(options.threshold);
  let model: BuiltinModel;
  if (options.model instanceof BuiltinModel) model = options.model;
  else if (typeof options.model === "string") model = await loadModelFile(options.model);
  else model = (await loadShippedModel()).model;
  return new BuiltinDetector(model, { threshold: options.threshold, window: options.window });
}
