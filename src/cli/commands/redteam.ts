/** `bulwark redteam ...`: campaigns of generated attacks and hard negatives against a model. */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { threshold, wholeNumber } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/redteam.js");

const list = (value: string): string[] => {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError("must be a comma-separated list of ids");
  return items;
};

export function registerRedTeam(program: Command): void {
  const redteam = program
    .command("redteam")
    .description("attack a model with generated attacks and hard negatives; every bypass is kept");

  redteam
    .command("run")
    .description("run a campaign and store its cases, misses and report under red-team-data/")
    .option(
      "--model <ref>",
      "a registry version (name@version) or a model file (default: the production model)",
    )
    .option("--cases <n>", "cases to generate", wholeNumber(1), 1000)
    .option("--seed <s>", "seed: the same seed and options give the same cases", wholeNumber(0), 1)
    .option("--generators <ids>", "only these generators (see `bulwark redteam generators`)", list)
    .option("--mutators <ids>", "only these mutators", list)
    .option("--target <url>", "attack a running Bulwark over its API instead of a model in this process")
    .option("--key <key>", "the API key for --target (or BULWARK_API_KEY)")
    .option(
      "--target-score-field <path>",
      "--target is another detector: POST {text} to the URL and read the score at this dot path (e.g. result.score)",
    )
    .option(
      "--target-text-field <name>",
      "with --target-score-field: the body field the text goes in",
      "text",
    )
    .option(
      "--target-threshold <t>",
      "with --target-score-field: scores at or above this are flagged",
      threshold,
      0.5,
    )
    .option("--json", "print the summary as JSON")
    .option("--no-progress", "no progress bar")
    .action(lazy(actions, "redteamRun"));

  redteam
    .command("ls")
    .description("campaigns in the store, newest first")
    .option("--limit <n>", "how many", wholeNumber(1), 20)
    .option("--json", "print JSON")
    .action(lazy(actions, "redteamList"));

  redteam
    .command("show")
    .description("one campaign's summary")
    .argument("<id>", "campaign id (rt-...)")
    .option("--json", "print JSON")
    .action(lazy(actions, "redteamShow"));

  redteam
    .command("report")
    .description("one campaign's full report")
    .argument("<id>", "campaign id (rt-...)")
    .option("--format <format>", "md or json", "md")
    .action(lazy(actions, "redteamReport"));

  redteam
    .command("export")
    .description(
      "write a seed's cases as a training dataset (JSONL, gzip for .gz), frozen-suite texts left out",
    )
    .requiredOption("--output <file>", "where to write it")
    .option("--cases <n>", "cases to generate", wholeNumber(1), 1000)
    .option("--seed <s>", "seed", wholeNumber(0), 1)
    .option("--generators <ids>", "only these generators", list)
    .option("--mutators <ids>", "only these mutators", list)
    .option("--source <name>", "the rows' source field", "redteam")
    .action(lazy(actions, "redteamExport"));

  redteam
    .command("generators")
    .description("the generators and mutators a campaign can use")
    .option("--json", "print JSON")
    .action(lazy(actions, "redteamGenerators"));
}
