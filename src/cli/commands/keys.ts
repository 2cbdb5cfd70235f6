/** `bulwark keys ...`: API keys on the configured database, without the HTTP API. */
import { type Command, InvalidArgumentError, Option } from "commander";
import { parseQuota, parseRateLimit } from "../../server/auth/budgets.js";
import { DEFAULT_GRACE, parseGrace } from "../../server/auth/rotation.js";
import { ROLES } from "../../server/auth/roles.js";
import { oneOf, wholeNumber } from "../options.js";
import { lazy } from "../output.js";

export const roleArg = oneOf(ROLES);

/** A budget spec parser as a commander argument parser: its message becomes the usage error. */
function spec<T>(parse: (text: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

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
    .addOption(
      new Option(
        "--rate-limit <spec>",
        "the key's own rate limit, e.g. 600/min (s, min, h, day; default BULWARK_RATE_LIMIT_PER_KEY)",
      ).argParser(spec(parseRateLimit)),
    )
    .addOption(
      new Option("--quota <spec>", "requests per UTC day, e.g. 100000/day").argParser(spec(parseQuota)),
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
    .command("rotate")
    .description(
      "give an API key a new secret and print it (the only time it is shown); the current secret stays valid for the grace period",
    )
    .argument("<key>", "key id or name")
    .addOption(
      new Option("--grace <duration>", "how long the current secret stays valid: 24h, 30m, 90s, 7d, 0")
        .default(DEFAULT_GRACE)
        .argParser(spec(parseGrace)),
    )
    .option("--json", "print the new key and its record as JSON")
    .action(lazy(actions, "keysRotate"));

  keys
    .command("revoke")
    .description("revoke an API key (by id, or by name when one active key has it)")
    .argument("<key>", "key id or name")
    .option("--json", "print JSON")
    .action(lazy(actions, "keysRevoke"));
}
