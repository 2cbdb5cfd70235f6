#!/usr/bin/env node
/** The `bulwark` command: a thin shell that registers one module per command group. */
import { Command, CommanderError } from "commander";
import { packageVersion } from "../core/version.js";
import { registerCommands } from "./commands/index.js";

const program = new Command()
  .name("bulwark")
  .description("Bulwark: detect prompt injection and jailbreaks, attack yourself, learn from it")
  .version(packageVersion())
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(`bulwark: ${str.replace(/^error: /, "")}`) });

registerCommands(program);

// Usage errors (unknown option, bad option value) are bad input: exit code 2, like the
// commands' own validation errors; help and version exit 0 as usual.
for (const command of [program, ...program.commands.flatMap((c) => [c, ...c.commands])])
  command.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  process.exitCode = err.exitCode === 0 ? 0 : 2;
}
