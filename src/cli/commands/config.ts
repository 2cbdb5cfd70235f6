import type { Command } from "commander";
import { loadConfig, maskedConfig } from "../../core/config.js";
import { action, printJson } from "../output.js";

export function registerConfig(program: Command): void {
  program
    .command("config")
    .description("print the effective configuration (secrets masked)")
    .action(
      action(() => {
        printJson(maskedConfig(loadConfig()));
      }),
    );
}
