/** `bulwark keys ...`: API keys on the configured database, without the HTTP API. */
import { type Command, Option } from "commander";
import { ROLES, type Role } from "../../server/auth/roles.js";
import type { AdminContext } from "../../server/admin.js";
import { table } from "../format.js";
import { oneOf, wholeNumber } from "../options.js";
import { action, printJson, printLine } from "../output.js";

/** The database and store are loaded when a command runs, so `bulwark --help` stays quick. */
async function withAdmin<T>(fn: (a: AdminContext) => Promise<T>): Promise<T> {
  return (await import("../../server/admin.js")).withAdmin(fn);
}

export const roleArg = oneOf(ROLES);

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
    .action(
      action(async (opts: { role: Role; name: string; expiresInDays?: number; json?: boolean }) => {
        await withAdmin(async (a) => {
          const created = await a.keys.create({
            name: opts.name,
            role: opts.role,
            createdBy: a.actor,
            expiresAt: opts.expiresInDays
              ? new Date(Date.now() + opts.expiresInDays * 86_400_000).toISOString()
              : null,
          });
          await a.audit.record({
            actor: a.actor,
            action: "key.create",
            target: `key:${created.info.name}`,
            outcome: "success",
            details: { id: created.info.id, role: created.info.role, prefix: created.info.prefix },
          });
          if (opts.json) return printJson(created);
          printLine(created.key);
          process.stderr.write(
            `bulwark: key "${created.info.name}" (${created.info.role}, id ${created.info.id}) created; it is not shown again\n`,
          );
        });
      }),
    );

  keys
    .command("list")
    .description("list API keys (their prefixes, never the keys)")
    .option("--all", "include revoked keys")
    .option("--json", "print JSON")
    .action(
      action(async (opts: { all?: boolean; json?: boolean }) => {
        await withAdmin(async (a) => {
          const list = await a.keys.list({ includeRevoked: opts.all === true });
          if (opts.json) return printJson(list);
          if (list.length === 0) return printLine("no API keys");
          printLine(
            table(
              ["id", "name", "role", "prefix", "created", "last used", "state"],
              list.map((k) => [
                k.id,
                k.name,
                k.role,
                k.prefix,
                k.createdAt.slice(0, 19),
                k.lastUsedAt?.slice(0, 19) ?? "-",
                k.revokedAt
                  ? "revoked"
                  : k.expiresAt && Date.parse(k.expiresAt) <= Date.now()
                    ? "expired"
                    : "active",
              ]),
            ),
          );
        });
      }),
    );

  keys
    .command("revoke")
    .description("revoke an API key (by id, or by name when one active key has it)")
    .argument("<key>", "key id or name")
    .option("--json", "print JSON")
    .action(
      action(async (id: string, opts: { json?: boolean }) => {
        await withAdmin(async (a) => {
          const info = await a.keys.revoke(id);
          await a.audit.record({
            actor: a.actor,
            action: "key.revoke",
            target: `key:${info.name}`,
            outcome: "success",
            details: { id: info.id },
          });
          if (opts.json) return printJson(info);
          printLine(`revoked ${info.name} (${info.id}); servers stop accepting it within seconds`);
        });
      }),
    );
}
