import type { Command } from "commander";
import { lazy } from "../output.js";

const actions = () => import("../actions/config.js");

export function registerConfig(program: Command): void {
  program
    .command("config")
    .description("print the effective configuration (secrets masked)")
    .action(lazy(actions, "config"));
}
