/** `bulwark users ...`: people who log in, on the configured database, without the HTTP API. */
import { text as readStream } from "node:stream/consumers";
import { ValidationError } from "../../core/errors.js";
import { withAdmin } from "../../server/admin.js";
import type { Role } from "../../server/auth/roles.js";
import { table } from "../format.js";
import { printJson, printLine } from "../output.js";

/** The password from standard input, without its final newline (so `echo pw |` works). */
async function passwordFromStdin(): Promise<string> {
  const raw = await readStream(process.stdin);
  const password = raw.replace(/\r?\n$/, "");
  if (password === "") throw new ValidationError("no password on standard input");
  return password;
}

export async function usersCreate(opts: {
  username: string;
  role: Role;
  passwordStdin?: boolean;
  json?: boolean;
}): Promise<void> {
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
}

export async function usersList(opts: { json?: boolean }): Promise<void> {
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
}

export async function usersUpdate(
  who: string,
  opts: { role?: Role; disable?: boolean; enable?: boolean; passwordStdin?: boolean; json?: boolean },
): Promise<void> {
  if (opts.disable && opts.enable) throw new ValidationError("--disable and --enable exclude each other");
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
}

export async function usersDelete(who: string, opts: { json?: boolean }): Promise<void> {
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
}
