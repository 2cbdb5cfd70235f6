/** `bulwark learn ...`: learning cycles (red team the champion, train a challenger, promote it if it wins). */
import type { Command } from "commander";
import { oneOf, threshold, wholeNumber } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/learn.js");

/** A comma-separated list of ids. */
function names(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export function registerLearn(program: Command): void {
  const learn = program
    .command("learn")
    .description("learning cycles: a campaign against the production model, a challenger, a decision");

  learn
    .command("cycle")
    .description(
      "run one cycle: red team the production model, train a challenger on what it missed, evaluate both on fixed suites, promote the challenger only if it wins",
    )
    .option("--cases <n>", "red-team cases in the campaign", wholeNumber(10), 1000)
    .option("--seed <n>", "the campaign's seed (default: a random one, recorded)", wholeNumber())
    .option("--generators <ids>", "only these generators (comma-separated)", names)
    .option("--mutators <ids>", "only these mutators (comma-separated)", names)
    .option("--model <name>", "the model whose production version is the champion (default: the served one)")
    .option(
      "--data <datasets...>",
      "build on these datasets (ids, names, bundled, files) instead of the champion's own training data",
    )
    .option(
      "--campaign-rows <which>",
      "campaign cases the challenger learns from: failures, failures+negatives (default) or all",
      oneOf(["failures", "failures+negatives", "all"] as const),
    )
    .option(
      "--loso <sources>",
      "leave-one-source-out on these sources of the champion's data (comma-separated; two trainings each)",
      names,
    )
    .option(
      "--fpr-tolerance <x>",
      "how much higher the challenger's false-positive rate may be on a benign suite",
      threshold,
      0,
    )
    .option(
      "--recall-tolerance <x>",
      "how much lower the challenger's recall may be on the validation split",
      threshold,
      0,
    )
    .option("--rules <path>", "signature rules file (default: rules/signatures.json)")
    .option(
      "--allow-personal-data",
      "with --data: build on datasets whose manifest says personal data is present",
    )
    .option("--json", "print the result as JSON")
    .action(lazy(actions, "learnCycle"));

  learn
    .command("ls")
    .description("list learning cycles, newest first")
    .option("--model <name>", "only cycles of this model")
    .option(
      "--decision <d>",
      "promoted or rejected",
      oneOf(["promoted", "rejected"] as const, "must be promoted or rejected"),
    )
    .option("--limit <n>", "how many", wholeNumber(1), 50)
    .option("--json", "print as JSON")
    .action(lazy(actions, "learnLs"));

  learn
    .command("show")
    .description("one cycle: the decision, the rule, the figures on every suite, the files")
    .argument("<id>", "cycle id")
    .option("--json", "print as JSON")
    .action(lazy(actions, "learnShow"));
}
