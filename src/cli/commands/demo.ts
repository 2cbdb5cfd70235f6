import type { Command } from "commander";
import { lazy } from "../output.js";

const actions = () => import("../actions/demo.js");

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("detect a set of sample texts with the default model (trained on first use)")
    .option("--json", "print the verdicts as JSON")
    .action(lazy(actions, "demo"));
}
