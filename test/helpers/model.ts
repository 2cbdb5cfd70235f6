import { writeFileSync } from "node:fs";
import { loadBundledCorpus } from "../../src/data/corpus.js";
import type { Sample } from "../../src/data/sample.js";
import { loadShippedModel } from "../../src/detect/create.js";
import type { BuiltinModel } from "../../src/detect/model.js";
import { loadRulesFile } from "../../src/detect/rules.js";
import { trainBuiltin, type TrainParams } from "../../src/train/builtin-trainer.js";

let full: Promise<BuiltinModel> | undefined;

/** The built-in model trained on the whole bundled corpus: the one the build ships (SHA-256 checked). */
export function fullModel(): Promise<BuiltinModel> {
  full ??= loadShippedModel().then((shipped) => shipped.model);
  return full;
}

/** A quick model on a deterministic slice of the corpus, for tests about mechanics, not quality. */
export async function smallModel(
  params: Partial<TrainParams> = {},
  rows = 2500,
): Promise<{ model: BuiltinModel; artifact: Buffer; samples: Sample[] }> {
  const all = await loadBundledCorpus();
  const samples = all.filter((_, i) => i % Math.ceil(all.length / rows) === 0);
  const { model, artifact } = await trainBuiltin(samples, {
    rules: loadRulesFile(),
    params: { epochs: 2, ...params },
  });
  return { model, artifact, samples };
}

/** Writes every `every`-th row of the bundled corpus (starting at `offset`) to a JSONL file. */
export async function writeCorpusSlice(path: string, every: number, offset = 0): Promise<Sample[]> {
  const rows = (await loadBundledCorpus()).filter((_, i) => i % every === offset);
  writeFileSync(path, rows.map((s) => JSON.stringify(s)).join("\n") + "\n");
  return rows;
}
