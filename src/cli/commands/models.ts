/**
 * `bulwark models ...`: the model registry from the shell. List and show versions with
 * their lineage, promote, roll back, archive, verify artifacts against their SHA-256,
 * and compare two versions on an evaluation set.
 */
import type { Command } from "commander";
import { STAGES, type Stage } from "../../registry/types.js";
import { oneOf } from "../options.js";
import { lazy } from "../output.js";

const parseStage = oneOf(STAGES);

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
}
