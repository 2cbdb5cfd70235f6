import type { Command } from "commander";
import { DEFAULT_MODEL_NAME } from "../../core/config.js";
import { STAGES } from "../../registry/types.js";
import { parseBump, type Bump } from "../../registry/versions.js";
import { fromDomain, oneOf, wholeNumber } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/train.js");

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description(
      "train a model version from datasets (default: the bundled corpus), register it and record the run",
    )
    .option(
      "--data <datasets...>",
      'dataset ids, names, name@version, "bundled", or JSONL/envelope files and folders (default: bundled)',
    )
    .option("--name <model>", "model name in the registry", DEFAULT_MODEL_NAME)
    // Not --version: the root program's -V/--version flag would take it and print Bulwark's version.
    .option("--model-version <semver>", "version to register (default: the next one, 1.0.0 for a new model)")
    .option(
      "--bump <part>",
      "which part the next version increments: major, minor or patch",
      fromDomain(parseBump),
      "minor" as Bump,
    )
    .option(
      "--promote [stage]",
      "move the new version to a stage (default production) once registered",
      oneOf(STAGES),
    )
    .option("--description <text>", "a note stored with the version")
    .option("--output <path>", "also write the model artifact to this file")
    .option("--rules <path>", "signature rules file (default: rules/signatures.json)")
    .option("--params <json>", 'training parameters as JSON, e.g. \'{"epochs":4,"alpha":0.1}\'')
    .option("--seed <n>", "random seed (default 1337)", wholeNumber())
    .option("--epochs <n>", "passes over the data", wholeNumber())
    .option("--skip-invalid", "skip invalid rows (counted) instead of stopping at the first")
    .option(
      "--allow-personal-data",
      "train on datasets whose manifest says personal data is present (refused otherwise; see `bulwark data ls`)",
    )
    .option("--json", "print the result as JSON")
    .action(lazy(actions, "train"));
}
