/**
 * `bulwark models ...`: the model registry from the shell. List and show versions with
 * their lineage, promote, roll back, archive, verify artifacts against their SHA-256,
 * compare two versions on an evaluation set, import an ONNX transformer and make an
 * ensemble of versions.
 */
import type { Command } from "commander";
import { STAGES, type Stage } from "../../registry/types.js";
import { oneOf, threshold, wholeNumber } from "../options.js";
import { lazy } from "../output.js";

const parseStage = oneOf(STAGES);
/** detect/ensemble.ts COMBINERS, spelled out: command modules load nothing of the domain at start-up. */
const parseCombine = oneOf(["max", "mean", "weighted"] as const);
const list = (value: string) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

const actions = () => import("../actions/models.js");

export function registerModels(program: Command): void {
  const models = program
    .command("models")
    .description("the model registry: versions, stages, lineage, integrity");

  models
    .command("ls")
    .description("list model versions, newest first")
    .argument("[name]", "only this model")
    .option("--stage <stage>", `only versions in this stage (${STAGES.join(", ")})`, parseStage)
    .option("--json", "print as JSON")
    .action(lazy(actions, "modelsLs"));

  models
    .command("show")
    .description("a version's artifact, SHA-256, lineage, parameters, metrics and stage history")
    .argument("<ref>", "NAME@VERSION, NAME@STAGE, or NAME (its production version, else the latest)")
    .option("--json", "print as JSON")
    .action(lazy(actions, "modelsShow"));

  models
    .command("promote")
    .description(
      "move a version to a stage (default production); the previous production version is archived",
    )
    .argument("<ref>", "NAME@VERSION")
    .option("--stage <stage>", `target stage (${STAGES.join(", ")})`, parseStage, "production" as Stage)
    .option("--reason <text>", "why, kept in the stage history")
    .option("--json", "print as JSON")
    .action(lazy(actions, "modelsPromote"));

  models
    .command("rollback")
    .description("put the previous production version back into production (or --to VERSION)")
    .argument("<name>", "model name")
    .option("--to <version>", "the version to restore")
    .option("--reason <text>", "why, kept in the stage history")
    .option("--json", "print as JSON")
    .action(lazy(actions, "modelsRollback"));

  models
    .command("archive")
    .description("move a version to archived (not the production version: promote or roll back first)")
    .argument("<ref>", "NAME@VERSION")
    .option("--reason <text>", "why, kept in the stage history")
    .option("--json", "print as JSON")
    .action(lazy(actions, "modelsArchive"));

  models
    .command("verify")
    .description("check artifacts against the SHA-256 recorded at registration; exits 3 when any fails")
    .argument("[ref]", "NAME@VERSION or NAME (all its versions); default: every version (--all)")
    .option("--all", "every version of every model")
    .option("--json", "print as JSON")
    .action(lazy(actions, "modelsVerify"));

  models
    .command("compare")
    .description("evaluate two versions on the same labelled data, side by side")
    .argument("<a>", "NAME@VERSION")
    .argument("<b>", "NAME@VERSION")
    .option(
      "--data <datasets...>",
      'evaluation data: dataset ids, names, "bundled", files or folders (default: bundled)',
    )
    .option("--json", "print as JSON")
    .action(lazy(actions, "modelsCompare"));

  models
    .command("import")
    .description(
      "register a Hugging Face style folder (config.json, tokenizer.json, model.onnx) as a version; it is loaded and run once first",
    )
    .argument("<dir>", "the exported model folder")
    .requiredOption("--format <format>", "the folder's format (onnx)", oneOf(["onnx"] as const))
    .option("--name <name>", "model name (default: the folder's name)")
    .option("--version <version>", "version, e.g. 1.0.0 (default: the next one)")
    .option(
      "--file <path>",
      "the ONNX graph inside the folder (default: model.onnx, onnx/model.onnx, model_quantized.onnx...)",
    )
    .option(
      "--attack-labels <labels>",
      "labels that mean an attack, comma-separated (default: INJECTION, JAILBREAK, MALICIOUS, LABEL_1...)",
      list,
    )
    .option(
      "--max-length <tokens>",
      "tokens per window (default: the model's maximum length)",
      wholeNumber(8),
    )
    .option("--threshold <p>", "attack probability that flags a text (default 0.5)", threshold)
    .option("--description <text>", "a note kept with the version")
    .option("--json", "print as JSON")
    .action(lazy(actions, "modelsImport"));

  const ensemble = models.command("ensemble").description("ensembles: versions made of other versions");
  ensemble
    .command("create")
    .description("register an ensemble of versions as a version of its own (promote it to serve it)")
    .argument("<name>", "the ensemble's model name")
    .requiredOption("--members <refs>", "NAME@VERSION,NAME@VERSION,...", list)
    .option(
      "--combine <how>",
      "max (any member flags), mean, or weighted (mean with --weights)",
      parseCombine,
      "max" as const,
    )
    .option("--weights <numbers>", "one weight per member, for --combine weighted", list)
    .option("--threshold <p>", "threshold of the combined score (mean, weighted)", threshold)
    .option("--version <version>", "version, e.g. 1.0.0 (default: the next one)")
    .option("--description <text>", "a note kept with the version")
    .option("--json", "print as JSON")
    .action(lazy(actions, "modelsEnsembleCreate"));
}
