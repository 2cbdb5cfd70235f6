/** `bulwark runs ...`: training runs, what went into them and what came out. */
import type { Command } from "commander";
import type { RunStatus } from "../../train/runs.js";
import { oneOf, wholeNumber } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/runs.js");

export function registerRuns(program: Command): void {
  const runs = program.command("runs").description("training runs: parameters, datasets, metrics, artifacts");

  runs
    .command("ls")
    .description("list runs, newest first")
    .option("--model <name>", "only runs of this model")
    .option(
      "--status <status>",
      "running, succeeded or failed",
      oneOf<RunStatus>(["running", "succeeded", "failed"], "must be running, succeeded or failed"),
    )
    .option("--limit <n>", "how many", wholeNumber(1), 50)
    .option("--json", "print as JSON")
    .action(lazy(actions, "runsLs"));

  runs
    .command("show")
    .description("everything a run recorded")
    .argument("<id>", "run id")
    .option("--json", "print as JSON")
    .action(lazy(actions, "runsShow"));

  runs
    .command("compare")
    .description("two runs side by side: parameters that differ, metrics with deltas, datasets")
    .argument("<a>", "run id")
    .argument("<b>", "run id")
    .option("--json", "print as JSON")
    .action(lazy(actions, "runsCompare"));
}
