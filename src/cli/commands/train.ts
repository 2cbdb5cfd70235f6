import type { Command } from "commander";
import { loadConfig } from "../../core/config.js";
import { ValidationError } from "../../core/errors.js";
import { loadBundledCorpus } from "../../data/corpus.js";
import { expandInputs, loadSamples } from "../../data/read.js";
import { loadRulesFile } from "../../detect/rules.js";
import { defaultModelPath, writeFileAtomic } from "../../detect/store.js";
import { trainBuiltin, type TrainParams } from "../../train/builtin-trainer.js";
import { fmt, table } from "../format.js";
import { action, printJson, printLine } from "../output.js";
import { createProgress } from "../progress.js";

interface TrainOpts {
  data?: string[];
  output?: string;
  rules?: string;
  params?: string;
  seed?: string;
  epochs?: string;
  version: string;
  json?: boolean;
  skipInvalid?: boolean;
}

export function parseParams(json: string | undefined, seed?: string, epochs?: string): Partial<TrainParams> {
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
  const int = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new ValidationError(`--${name} must be a non-negative integer, got "${v}"`);
    return n;
  };
  if (seed !== undefined) params.seed = int("seed", seed);
  if (epochs !== undefined) params.epochs = int("epochs", epochs);
  return params;
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("train the built-in model from the bundled corpus or JSONL files and write its artifact")
    .option("--data <files...>", "JSONL files or folders (default: the bundled corpus)")
    .option(
      "--output <path>",
      "where to write the model artifact (default: the default model under BULWARK_HOME)",
    )
    .option("--rules <path>", "signature rules file (default: rules/signatures.json)")
    .option("--params <json>", 'training parameters as JSON, e.g. \'{"epochs":4,"alpha":0.1}\'')
    .option("--seed <n>", "random seed (default 1337)")
    .option("--epochs <n>", "passes over the data")
    .option("--version <semver>", "version recorded in the artifact", "1.0.0")
    .option("--skip-invalid", "skip invalid rows (counted) instead of stopping at the first")
    .option("--json", "print the result as JSON")
    .action(
      action(async (opts: TrainOpts) => {
        const params = parseParams(opts.params, opts.seed, opts.epochs);
        let skipped = 0;
        const samples = opts.data?.length
          ? await loadSamples(expandInputs(opts.data), {
              skipInvalid: opts.skipInvalid,
              onInvalid: () => skipped++,
            })
          : await loadBundledCorpus();
        const progress = createProgress(!opts.json && process.stderr.isTTY === true);
        let phase = "";
        const result = await trainBuiltin(samples, {
          rules: loadRulesFile(opts.rules),
          params,
          version: opts.version,
          lineage: { datasets: opts.data?.length ? opts.data : ["bundled"], skippedRows: skipped },
          onProgress: (p) => {
            const label = p.epoch ? `${p.phase} (epoch ${p.epoch})` : p.phase;
            if (p.phase !== phase) {
              phase = p.phase;
              progress.start(p.total, label);
            }
            progress.update(p.done, label);
          },
        });
        progress.stop();
        const output = opts.output ?? defaultModelPath(loadConfig().home);
        await writeFileAtomic(output, result.artifact);
        const r = result.report;
        if (opts.json) {
          printJson({
            artifact: output,
            sha256: result.model.sha256,
            bytes: result.artifact.length,
            rows: samples.length,
            skippedRows: skipped,
            durationMs: Math.round(result.durationMs),
            threshold: r.threshold,
            validation: r,
            params: result.params,
          });
          return;
        }
        printLine(`model     ${output}`);
        printLine(`sha256    ${result.model.sha256}`);
        printLine(
          `rows      ${samples.length}${skipped ? ` (${skipped} invalid skipped)` : ""}, trained in ${(result.durationMs / 1000).toFixed(1)} s`,
        );
        printLine(
          `threshold ${r.threshold.toFixed(4)} (at most ${(result.params.maxFpr * 100).toFixed(0)}% false positives on validation)`,
        );
        printLine("");
        printLine("validation split (by related-text groups):");
        const o = r.overall;
        printLine(
          table(
            ["accuracy", "precision", "recall", "F1", "ROC-AUC", "TPR@1%FPR", "FPR", "category acc."],
            [
              [
                fmt(o.accuracy),
                fmt(o.precision),
                fmt(o.recall),
                fmt(o.f1),
                fmt(o.rocAuc),
                fmt(o.tprAt1Fpr),
                fmt(o.fpr),
                fmt(r.categoryAccuracy),
              ],
            ],
          ),
        );
      }),
    );
}
