/** `bulwark users ...`: people who log in, on the configured database, without the HTTP API. */
import { type Command, Option } from "commander";
import { text as readStream } from "node:stream/consumers";
import { ValidationError } from "../../core/errors.js";
import type { AdminContext } from "../../server/admin.js";
import type { Role } from "../../server/auth/roles.js";
import { table } from "../format.js";
import { action, printJson, printLine } from "../output.js";
import { roleArg } from "./keys.js";

/** The database and store are loaded when a command runs, so `bulwark --help` stays quick. */
async function withAdmin<T>(fn: (a: AdminContext) => Promise<T>): Promise<T> {
  return (await import("../../server/admin.js")).withAdmin(fn);
}

/** The password from standard input, without its final newline (so `echo pw |` works). */
async function passwordFromStdin(): Promise<string> {
  const raw = await readStream(process.stdin);
  const password = raw.replace(/\r?\n$/, "");
  if (password === "") throw new ValidationError("no password on standard input");
  return password;
}

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
    .action(
      action(async (opts: { username: string; role: Role; passwordStdin?: boolean; json?: boolean }) => {
        if (!opts.passwordStdin) {
          throw new ValidationError(
            "pass --password-stdin and the password on standard input (never as an argument)",
          );
        }
        const password = await passwordFromStdin();
        await withAdmin(async (a) => {
          const user = await a.users.create({
            username: opts.username,
            password,
            role: opts.role,
            createdBy: a.actor,
          });
          await a.audit.record({
            actor: a.actor,
            action: "user.create",
            target: `user:${user.username}`,
            outcome: "success",
            details: { role: user.role },
          });
          if (opts.json) return printJson(user);
          printLine(`created ${user.role} ${user.username} (${user.id})`);
        });
      }),
    );

  users
    .command("list")
    .description("list users")
    .option("--json", "print JSON")
    .action(
      action(async (opts: { json?: boolean }) => {
        await withAdmin(async (a) => {
          const list = await a.users.list();
          if (opts.json) return printJson(list);
          printLine(
            table(
              ["id", "username", "role", "state", "created", "last login"],
              list.map((u) => [
                u.id,
                u.username,
                u.role,
                u.disabled ? "disabled" : "active",
                u.createdAt.slice(0, 19),
                u.lastLoginAt?.slice(0, 19) ?? "-",
              ]),
            ),
          );
        });
      }),
    );

  users
    .command("update")
    .description("change a user's role, password (from stdin) or disabled state")
    .argument("<user>", "username or id")
    .addOption(new Option("--role <role>", "admin, analyst or client").argParser(roleArg))
    .option("--disable", "disable the user (tokens stop working within seconds)")
    .option("--enable", "enable the user")
    .option("--password-stdin", "set a new password read from standard input")
    .option("--json", "print JSON")
    .action(
      action(
        async (
          who: string,
          opts: { role?: Role; disable?: boolean; enable?: boolean; passwordStdin?: boolean; json?: boolean },
        ) => {
          if (opts.disable && opts.enable)
            throw new ValidationError("--disable and --enable exclude each other");
          const password = opts.passwordStdin ? await passwordFromStdin() : undefined;
          if (!opts.role && !opts.disable && !opts.enable && password === undefined) {
            throw new ValidationError("say what to change: --role, --disable, --enable or --password-stdin");
          }
          await withAdmin(async (a) => {
            const changes = {
              ...(opts.role ? { role: opts.role } : {}),
              ...(opts.disable ? { disabled: true } : opts.enable ? { disabled: false } : {}),
              ...(password !== undefined ? { password } : {}),
            };
            const user = await a.users.update(who, changes);
            await a.audit.record({
              actor: a.actor,
              action: "user.update",
              target: `user:${user.username}`,
              outcome: "success",
              details: { ...changes, ...(password !== undefined ? { password: "changed" } : {}) },
            });
            if (opts.json) return printJson(user);
            printLine(`updated ${user.username}: ${user.role}, ${user.disabled ? "disabled" : "active"}`);
          });
        },
      ),
    );

  users
    .command("delete")
    .description("delete a user")
    .argument("<user>", "username or id")
    .option("--json", "print JSON")
    .action(
      action(async (who: string, opts: { json?: boolean }) => {
        await withAdmin(async (a) => {
          const user = await a.users.remove(who);
          await a.audit.record({
            actor: a.actor,
            action: "user.delete",
            target: `user:${user.username}`,
            outcome: "success",
          });
          if (opts.json) return printJson(user);
          printLine(`deleted ${user.username}`);
        });
      }),
    );
}
