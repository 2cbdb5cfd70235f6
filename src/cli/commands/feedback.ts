/** `bulwark feedback ...`: users' reports of wrong verdicts on the configured database, without the HTTP API. */
import { type Command, Option } from "commander";
import { CATEGORIES } from "../../detect/types.js";
import { FEEDBACK_STATUSES } from "../../feedback/types.js";
import { oneOf, wholeNumber } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/feedback.js");
const category = () =>
  new Option("--category <category>", `the missed attack's category: ${CATEGORIES.join(", ")}`).argParser(
    oneOf(CATEGORIES),
  );

export function registerFeedback(program: Command): void {
  const feedback = program
    .command("feedback")
    .description(
      "reports that a verdict was wrong, their review, and what the learning loop takes from them",
    );

  feedback
    .command("add")
    .description("report a wrong verdict, with the text that was screened (detection keeps none)")
    .requiredOption("--request-id <id>", "the request id the verdict came with (its X-Request-Id)")
    .addOption(
      new Option("--label <label>", '0: "benign, but flagged" (a false positive); 1: "an attack, missed"')
        .argParser(oneOf(["0", "1"] as const))
        .makeOptionMandatory(),
    )
    .addOption(new Option("--text <text>", "the text").conflicts("file"))
    .option("--file <file>", "read the text from this file (UTF-8, as it is), or - for stdin")
    .addOption(category())
    .option("--note <note>", "why the verdict was wrong, for the reviewer")
    .option("--subject <id>", "the end user the text came from (kept only as a keyed hash)")
    .option("--json", "print the report as JSON")
    .action(lazy(actions, "feedbackAdd"));

  feedback
    .command("ls")
    .description("list reports, oldest first, with a preview of each text")
    .addOption(
      new Option("--status <status>", FEEDBACK_STATUSES.join(", ")).argParser(oneOf(FEEDBACK_STATUSES)),
    )
    .addOption(new Option("--label <label>", "0 or 1").argParser(oneOf(["0", "1"] as const)))
    .addOption(new Option("--limit <n>", "at most this many (default 100)").argParser(wholeNumber(1)))
    .option("--json", "print JSON")
    .action(lazy(actions, "feedbackList"));

  feedback
    .command("show")
    .description("print one report with its whole text")
    .argument("<id>", "the report's id (fb_...)")
    .option("--json", "print JSON")
    .action(lazy(actions, "feedbackShow"));

  feedback
    .command("review")
    .description("accept a report (it joins the next learning cycle's data) or reject it")
    .argument("<id>", "the report's id (fb_...)")
    .addOption(new Option("--accept", "accept it").conflicts("reject"))
    .option("--reject", "reject it")
    .addOption(category().conflicts("reject"))
    .option("--note <note>", "why, for the audit trail")
    .option("--json", "print the report as JSON")
    .action(lazy(actions, "feedbackReview"));
}
