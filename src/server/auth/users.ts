/** People who log in: username, argon2id password hash, role, and whether they are disabled. */
import { newId } from "../../db/ids.js";
import type { Kysely } from "kysely";
import { BulwarkError, ConflictError, NotFoundError, ValidationError } from "../../core/errors.js";
import type { Database } from "../../db/schema.js";
import type { UsersTable } from "../../db/schema-auth.js";
import { checkPasswordPolicy, generatePassword, hashPassword } from "./passwords.js";
import { isRole, type Role } from "./roles.js";

export const USERNAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$";
const USERNAME = new RegExp(USERNAME_PATTERN);

export interface User {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

export function toUser(row: UsersTable): User {
  return {
    id: row.id,
    username: row.username,
    role: row.role as Role,
    disabled: Number(row.disabled) === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
  };
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

export class UserStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { username: string; password: string; role: Role; createdBy: string }): Promise<User> {
    if (!USERNAME.test(input.username)) {
      throw new ValidationError(
        "a username is 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
      );
    }
    if (!isRole(input.role)) throw new ValidationError(`role must be admin, analyst or client`);
    checkPasswordPolicy(input.password);
    const now = new Date().toISOString();
    const row: UsersTable = {
      id: newId("usr"),
      username: input.username,
      password_hash: await hashPassword(input.password),
      role: input.role,
      disabled: 0,
      created_by: input.createdBy,
      created_at: now,
      updated_at: now,
      last_login_at: null,
      token_generation: 0,
    };
    try {
      await this.db.insertInto("users").values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`a user named "${input.username}" already exists`);
      throw err;
    }
    return toUser(row);
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async list(): Promise<User[]> {
    return (await this.db.selectFrom("users").selectAll().orderBy("created_at").execute()).map(toUser);
  }

  async byId(id: string): Promise<UsersTable | undefined> {
    return this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async byUsername(username: string): Promise<UsersTable | undefined> {
    return this.db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
  }

  async get(idOrName: string): Promise<User> {
    const row = (await this.byId(idOrName)) ?? (await this.byUsername(idOrName));
    if (!row) throw new NotFoundError(`user "${idOrName}"`);
    return toUser(row);
  }

  async update(
    idOrName: string,
    changes: { role?: Role; disabled?: boolean; password?: string },
  ): Promise<User> {
    const user = await this.get(idOrName);
    if (changes.role !== undefined && !isRole(changes.role)) {
      throw new ValidationError("role must be admin, analyst or client");
    }
    if (changes.password !== undefined) checkPasswordPolicy(changes.password);
    if (user.role === "admin" && (changes.disabled === true || (changes.role && changes.role !== "admin"))) {
      await this.assertAnotherAdmin(user.id);
    }
    // A new password or a disable ends every token issued so far, on every server process.
    const endTokens = changes.password !== undefined || changes.disabled === true;
    const passwordHash = changes.password !== undefined ? await hashPassword(changes.password) : undefined;
    await this.db
      .updateTable("users")
      .set((eb) => ({
        ...(endTokens ? { token_generation: eb("token_generation", "+", 1) } : {}),
        ...(changes.role !== undefined ? { role: changes.role } : {}),
        ...(changes.disabled !== undefined ? { disabled: changes.disabled ? 1 : 0 } : {}),
        ...(passwordHash !== undefined ? { password_hash: passwordHash } : {}),
        updated_at: new Date().toISOString(),
      }))
      .where("id", "=", user.id)
      .execute();
    return this.get(user.id);
  }

  /** Ends every token and browser session the user holds (sign-out), on every server process. */
  async endSessions(id: string): Promise<void> {
    await this.db
      .updateTable("users")
      .set((eb) => ({ token_generation: eb("token_generation", "+", 1) }))
      .where("id", "=", id)
      .execute();
  }

  async remove(idOrName: string): Promise<User> {
    const user = await this.get(idOrName);
    if (user.role === "admin") await this.assertAnotherAdmin(user.id);
    await this.db.deleteFrom("users").where("id", "=", user.id).execute();
    return user;
  }

  async touchLogin(id: string): Promise<void> {
    await this.db
      .updateTable("users")
      .set({ last_login_at: new Date().toISOString() })
      .where("id", "=", id)
      .execute();
  }

  /** Refuses to leave the service without an enabled admin. */
  private async assertAnotherAdmin(exceptId: string): Promise<void> {
    const others = await this.db
      .selectFrom("users")
      .select("id")
      .where("role", "=", "admin")
      .where("disabled", "=", 0)
      .where("id", "!=", exceptId)
      .limit(1)
      .execute();
    if (others.length === 0) {
      throw new BulwarkError("LAST_ADMIN", "this is the last enabled admin: create another admin first", 409);
    }
  }

  /**
   * First start: when there is no user at all, creates `admin` with a random password and
   * returns it (to be shown once). Returns null when users exist, including when another
   * process created the first admin at the same moment.
   */
  async bootstrapAdmin(): Promise<{ username: string; password: string } | null> {
    if ((await this.count()) > 0) return null;
    const password = generatePassword();
    try {
      await this.create({ username: "admin", password, role: "admin", createdBy: "system:first-start" });
    } catch (err) {
      if (err instanceof ConflictError) return null;
      throw err;
    }
    return { username: "admin", password };
  }
}
