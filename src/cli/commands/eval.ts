import type { Command } from "commander";
import { threshold } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/eval.js");

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description(
      "measure a model on labelled JSONL: accuracy, precision, recall, F1, ROC-AUC, TPR at 1% FPR, per source and category",
    )
    .option("--input <paths...>", "JSONL files or folders (default: the bundled corpus)")
    .option("--model <path>", "a model artifact instead of the default model")
    .option("--threshold <t>", "decision threshold in [0, 1]", threshold)
    .option("--loso", "leave-one-source-out cross-validation of training on the input instead")
    .option("--params <json>", "training parameters for --loso")
    .option("--skip-invalid", "skip invalid rows (counted) instead of stopping at the first")
    .option("--report <file>", "also write the full report as JSON")
    .option("--json", "print the report as JSON")
    .action(lazy(actions, "evaluate"));
}
