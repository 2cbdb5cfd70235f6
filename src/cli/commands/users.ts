/** `bulwark users ...`: people who log in, on the configured database, without the HTTP API. */
import { type Command, Option } from "commander";
import { lazy } from "../output.js";
import { roleArg } from "./keys.js";

const actions = () => import("../actions/users.js");

export function registerUsers(program: Command): void {
  const users = program
    .command("users")
    .description("users who log in to the service (passwords hashed with argon2id)");

  users
    .command("create")
    .description("create a user; the password is read from standard input")
    .requiredOption("--username <name>", "login name")
    .addOption(
      new Option("--role <role>", "admin, analyst or client").argParser(roleArg).makeOptionMandatory(),
    )
    .option("--password-stdin", "read the password from standard input (required: never on the command line)")
    .option("--json", "print JSON")
    .action(lazy(actions, "usersCreate"));

  users
    .command("list")
    .description("list users")
    .option("--json", "print JSON")
    .action(lazy(actions, "usersList"));

  users
    .command("update")
    .description("change a user's role, password (from stdin) or disabled state")
    .argument("<user>", "username or id")
    .addOption(new Option("--role <role>", "admin, analyst or client").argParser(roleArg))
    .option("--disable", "disable the user (tokens stop working within seconds)")
    .option("--enable", "enable the user")
    .option("--password-stdin", "set a new password read from standard input")
    .option("--json", "print JSON")
    .action(lazy(actions, "usersUpdate"));

  users
    .command("delete")
    .description("delete a user")
    .argument("<user>", "username or id")
    .option("--json", "print JSON")
    .action(lazy(actions, "usersDelete"));
}
