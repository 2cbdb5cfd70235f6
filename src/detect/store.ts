/**
 * Where the built-in model lives on embedded defaults, and how the first one comes to be:
 * trained from the bundled corpus on first use (under a minute), then written atomically.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadBundledCorpus } from "../data/corpus.js";
import { trainBuiltin, type TrainProgress } from "../train/builtin-trainer.js";
import { BuiltinModel } from "./model.js";
import { loadRulesFile } from "./rules.js";

export function defaultModelPath(home: string): string {
  return join(home, "models", "builtin.bwm");
}

export async function writeFileAtomic(path: string, data: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data, { flush: true });
  await rename(tmp, path);
}

export async function loadModelFile(path: string): Promise<BuiltinModel> {
  return BuiltinModel.deserialize(await readFile(path), path);
}

/** The model at `path`, training and saving one from the bundled corpus if there is none. */
export async function loadOrTrainDefault(
  path: string,
  onProgress?: (p: TrainProgress) => void,
): Promise<{ model: BuiltinModel; trained: boolean }> {
  if (existsSync(path)) return { model: await loadModelFile(path), trained: false };
  const samples = await loadBundledCorpus();
  const result = await trainBuiltin(samples, {
    rules: loadRulesFile(),
    onProgress,
    lineage: { datasets: ["bundled"] },
  });
  await writeFileAtomic(path, result.artifact);
  return { model: result.model, trained: true };
}
