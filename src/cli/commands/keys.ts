/** `bulwark keys ...`: API keys on the configured database, without the HTTP API. */
import { type Command, Option } from "commander";
import { ROLES } from "../../server/auth/roles.js";
import { oneOf, wholeNumber } from "../options.js";
import { lazy } from "../output.js";

export const roleArg = oneOf(ROLES);

const actions = () => import("../actions/keys.js");

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("API keys for services (stored hashed; shown once)");

  keys
    .command("create")
    .description("create an API key and print it (the only time it is shown)")
    .addOption(
      new Option("--role <role>", "admin, analyst or client").argParser(roleArg).makeOptionMandatory(),
    )
    .requiredOption("--name <name>", "what the key is for, e.g. chat-frontend")
    .addOption(
      new Option("--expires-in-days <n>", "expire the key after this many days").argParser(wholeNumber(1)),
    )
    .option("--json", "print the key and its record as JSON")
    .action(lazy(actions, "keysCreate"));

  keys
    .command("list")
    .description("list API keys (their prefixes, never the keys)")
    .option("--all", "include revoked keys")
    .option("--json", "print JSON")
    .action(lazy(actions, "keysList"));

  keys
    .command("revoke")
    .description("revoke an API key (by id, or by name when one active key has it)")
    .argument("<key>", "key id or name")
    .option("--json", "print JSON")
    .action(lazy(actions, "keysRevoke"));
}
