import type { Command } from "commander";
import { registerConfig } from "./config.js";
import { registerStorage } from "./storage.js";

/** Every command group registers itself here; one module per group. */
export function registerCommands(program: Command): void {
  registerConfig(program);
  registerStorage(program);
}
