import type { Command } from "commander";
import { threshold } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/scan.js");

export function registerScan(program: Command): void {
  program
    .command("scan")
    .description(
      "scan a JSONL file (any size, gzip or not) line by line; writes one verdict line per input line",
    )
    .requiredOption("--input <file>", "JSONL input with a text field per line")
    .option("--output <file>", "JSONL output (default: stdout)")
    .option("--field <name>", "the field holding the text", "text")
    .option("--model <path>", "a model artifact instead of the default model")
    .option("--threshold <t>", "decision threshold in [0, 1]", threshold)
    .option("--skip-invalid", "write an error line for a bad input line and go on, counting them")
    .option("--no-progress", "no progress bar")
    .option("--json", "print the summary as JSON")
    .action(lazy(actions, "scan"));
}
