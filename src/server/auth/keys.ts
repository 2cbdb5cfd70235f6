/** API keys for services: shown once at creation, stored as a SHA-256, revocable, optionally expiring. */
import { newId } from "../../db/ids.js";
import type { Kysely } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../../core/errors.js";
import type { Database } from "../../db/schema.js";
import type { AuditEntry } from "../../audit/sink.js";
import type { ApiKeysTable } from "../../db/schema-auth.js";
import { displayPrefix, generateApiKey, hashApiKey } from "./api-keys.js";
import {
  checkBudgetLimit,
  RATE_WINDOWS,
  WINDOW_MS,
  type KeyBudget,
  type KeyQuota,
  type KeyRateLimit,
  type RateWindow,
} from "./budgets.js";
import { isRole, type Role } from "./roles.js";

export const KEY_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9 ._@:/-]{0,99}$";
const KEY_NAME = new RegExp(KEY_NAME_PATTERN);

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  /** The key's own rate limit; null: the service's default (BULWARK_RATE_LIMIT_PER_KEY). */
  rateLimit: KeyRateLimit | null;
  /** Requests per UTC day; null: no quota. */
  quota: KeyQuota | null;
  /** When the key was last rotated, and until when its previous secret is accepted. */
  rotatedAt: string | null;
  previousValidUntil: string | null;
}

/** What the guard enforces for a key, from its row. */
export function budgetOf(row: ApiKeysTable): KeyBudget | undefined {
  const budget: KeyBudget = {};
  if (row.rate_limit !== null && row.rate_window !== null && row.rate_window in WINDOW_MS)
    budget.rateLimit = {
      limit: Number(row.rate_limit),
      windowMs: WINDOW_MS[row.rate_window as RateWindow],
    };
  if (row.daily_quota !== null) budget.dailyQuota = Number(row.daily_quota);
  return budget.rateLimit || budget.dailyQuota !== undefined ? budget : undefined;
}

export function toKeyInfo(row: ApiKeysTable): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    prefix: row.prefix,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    rateLimit:
      row.rate_limit !== null && row.rate_window !== null
        ? { limit: Number(row.rate_limit), window: row.rate_window as RateWindow }
        : null,
    quota: row.daily_quota !== null ? { limit: Number(row.daily_quota), window: "day" } : null,
    rotatedAt: row.rotated_at,
    previousValidUntil: row.previous_valid_until,
  };
}

export interface RotatedKey {
  key: string;
  info: ApiKeyInfo;
  previousPrefix: string;
}

/** The audit entry of a new key, the same from the API and the CLI (no secret in it). */
export function creationAuditEntry(actor: string, info: ApiKeyInfo): AuditEntry {
  return {
    actor,
    action: "key.create",
    target: `key:${info.name}`,
    outcome: "success",
    details: {
      id: info.id,
      role: info.role,
      prefix: info.prefix,
      rateLimit: info.rateLimit,
      quota: info.quota,
    },
  };
}

/** The audit entry of a rotation, the same from the API and the CLI (no secret in it). */
export function rotationAuditEntry(actor: string, rotated: RotatedKey): AuditEntry {
  return {
    actor,
    action: "key.rotate",
    target: `key:${rotated.info.name}`,
    outcome: "success",
    details: {
      id: rotated.info.id,
      prefix: rotated.info.prefix,
      previousPrefix: rotated.previousPrefix,
      previousValidUntil: rotated.info.previousValidUntil,
    },
  };
}

export class ApiKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
  async create(input: {
    name: string;
    role: Role;
    createdBy: string;
    expiresAt?: string | null;
    rateLimit?: KeyRateLimit | null;
    quota?: KeyQuota | null;
  }): Promise<{ key: string; info: ApiKeyInfo }> {
    if (!KEY_NAME.test(input.name)) {
      throw new ValidationError(
        "a key name is 1-100 letters, digits, spaces or ._@:/- starting with a letter or digit",
      );
    }
    if (!isRole(input.role)) throw new ValidationError("role must be admin, analyst or client");
    if (input.expiresAt && !(Date.parse(input.expiresAt) > Date.now())) {
      throw new ValidationError("expiresAt must be a date in the future");
    }
    if (input.rateLimit) {
      if (!(RATE_WINDOWS as readonly string[]).includes(input.rateLimit.window))
        throw new ValidationError("rateLimit.window must be second, minute, hour or day");
      checkBudgetLimit(input.rateLimit.limit, "rateLimit");
    }
    if (input.quota) {
      if (input.quota.window !== "day") throw new ValidationError('quota.window must be "day"');
      checkBudgetLimit(input.quota.limit, "quota");
    }
    const key = generateApiKey();
    const row: ApiKeysTable = {
      id: newId("key"),
      name: input.name,
      role: input.role,
      prefix: displayPrefix(key),
      key_hash: hashApiKey(key),
      created_by: input.createdBy,
      created_at: new Date().toISOString(),
      expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
      revoked_at: null,
      last_used_at: null,
      rate_limit: input.rateLimit?.limit ?? null,
      rate_window: input.rateLimit?.window ?? null,
      daily_quota: input.quota?.limit ?? null,
      previous_key_hash: null,
      previous_valid_until: null,
      rotated_at: null,
    };
    await this.db.insertInto("api_keys").values(row).execute();
    return { key, info: toKeyInfo(row) };
  }

  async list(options: { includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
    let q = this.db.selectFrom("api_keys").selectAll();
    if (!options.includeRevoked) q = q.where("revoked_at", "is", null);
    return (await q.orderBy("created_at").execute()).map(toKeyInfo);
  }

  /** The key whose current secret, or previous secret (after a rotation), has this hash. */
  async byHash(hash: string): Promise<ApiKeysTable | undefined> {
    return this.db
      .selectFrom("api_keys")
      .selectAll()
      .where((eb) => eb.or([eb("key_hash", "=", hash), eb("previous_key_hash", "=", hash)]))
      .executeTakeFirst();
  }

  /**
   * A new secret for the key (returned once); the current one stays valid for `graceMs`,
   * and one rotated before it ends now. Id, name, role and budgets stay the same. The
   * update is conditional on the secret it replaces, so two rotations at once cannot both
   * hand out a secret.
   */
  async rotate(idOrName: string, graceMs: number): Promise<RotatedKey> {
    const info = await this.get(idOrName);
    if (info.revokedAt !== null)
      throw new ConflictError(`API key "${info.name}" is revoked: create a new one`);
    if (info.expiresAt !== null && Date.parse(info.expiresAt) <= Date.now())
      throw new ConflictError(`API key "${info.name}" has expired: create a new one`);
    const row = await this.db
      .selectFrom("api_keys")
      .select("key_hash")
      .where("id", "=", info.id)
      .executeTakeFirstOrThrow();
    const key = generateApiKey();
    const now = Date.now();
    const result = await this.db
      .updateTable("api_keys")
      .set({
        key_hash: hashApiKey(key),
        prefix: displayPrefix(key),
        previous_key_hash: row.key_hash,
        previous_valid_until: new Date(now + graceMs).toISOString(),
        rotated_at: new Date(now).toISOString(),
      })
      .where("id", "=", info.id)
      .where("key_hash", "=", row.key_hash)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      throw new ConflictError(`API key "${info.name}" was rotated at the same moment: try again`);
    return { key, info: await this.get(info.id), previousPrefix: info.prefix };
  }

  /** By id, or by name when exactly one active key has it. */
  async get(idOrName: string): Promise<ApiKeyInfo> {
    const byId = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("id", "=", idOrName)
      .executeTakeFirst();
    if (byId) return toKeyInfo(byId);
    const byName = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("name", "=", idOrName)
      .where("revoked_at", "is", null)
      .execute();
    if (byName.length === 1) return toKeyInfo(byName[0]!);
    if (byName.length > 1) {
      throw new ValidationError(`${byName.length} active keys are named "${idOrName}": use the key id`);
    }
    throw new NotFoundError(`API key "${idOrName}"`);
  }

  async revoke(idOrName: string): Promise<ApiKeyInfo> {
    const info = await this.get(idOrName);
    if (info.revokedAt === null) {
      await this.db
        .updateTable("api_keys")
        .set({ revoked_at: new Date().toISOString() })
        .where("id", "=", info.id)
        .execute();
    }
    return this.get(info.id);
  }

  async touch(id: string): Promise<void> {
    await this.db
      .updateTable("api_keys")
      .set({ last_used_at: new Date().toISOString() })
      .where("id", "=", id)
      .execute();
  }
}
