import type { Command } from "commander";
import { threshold } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/detect.js");

export function registerDetect(program: Command): void {
  program
    .command("detect")
    .description("screen one text (argument or stdin) for prompt injection and jailbreaks")
    .argument("[text...]", "the text; read from stdin when absent")
    .option("--json", "print the verdict as JSON")
    .option("--model <path>", "a model artifact instead of the default model")
    .option("--threshold <t>", "decision threshold in [0, 1]", threshold)
    .option("--no-evidence", "leave evidence out")
    .option("--fail-on-flag", "exit with code 3 when the text is flagged")
    .action(lazy(actions, "detect"));
}
