/**
 * Turns request headers into a Principal. API keys (`Authorization: Bearer bwk_...` or
 * `X-API-Key`) are checked by shape and check digits first, then by SHA-256 against a
 * short-lived in-memory cache (hash -> principal), so the hot path reads the database
 * once per key per TTL. JWTs are verified with the HS256 allow-list, then their subject
 * is read from the database on every request (one primary-key lookup, not cached): a
 * disabled user, or a token older than the user's last password change or disable
 * (`token_generation`), is refused at once by every server process.
 */
import { createHash } from "node:crypto";
import { isWellFormedApiKey, hashApiKey, API_KEY_LENGTH, API_KEY_PREFIX } from "./api-keys.js";
import { budgetOf, type ApiKeyStore } from "./keys.js";
import { dummyPasswordHash, verifyPassword } from "./passwords.js";
import type { PasswordBudget } from "./password-budget.js";
import { isRole, type Principal, type Role } from "./roles.js";
import type { RateDecision } from "../rate-limit/types.js";
import type { TokenSigner } from "./tokens.js";
import type { UserStore } from "./users.js";
import type { ApiKeysTable } from "../../db/schema-auth.js";

export type AuthFailure =
  | "missing_credentials"
  | "malformed_credentials"
  | "invalid_api_key"
  | "revoked_api_key"
  | "expired_api_key"
  | "rotated_api_key"
  | "invalid_token"
  | "ended_token"
  | "expired_token"
  | "invalid_password"
  | "disabled_user";

/**
 * A refusal says `failure` to the caller; `reason`, when present, is the truth kept for the
 * audit trail and metrics (a disabled user's right password answers like a wrong one).
 * `limited`: the password budget is spent (a 429, as on the login route).
 */
export type AuthResult =
  | { principal: Principal; tokenGeneration?: number }
  | { failure: AuthFailure; reason?: AuthFailure }
  | { limited: RateDecision };

interface Cached {
  result: AuthResult;
  until: number;
}

const MAX_CACHE = 10_000;
const TOUCH_EVERY_MS = 60_000;

export class Authenticator {
  private readonly keyCache = new Map<string, Cached>();
  private readonly basicCache = new Map<string, Cached>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly users: UserStore,
    private readonly keys: ApiKeyStore,
    readonly signer: TokenSigner,
    private readonly cacheTtlMs: number,
    private readonly budget: PasswordBudget,
  ) {}

  /** Forgets every cached decision (after a key is revoked or a user changed, in this process). */
  invalidate(): void {
    this.keyCache.clear();
    this.basicCache.clear();
  }

  /**
   * The caller of a request carrying an API key already verified within the TTL, without
   * a promise; undefined when the slow path (authenticate) must decide.
   */
  cachedKey(authorization: string | undefined, apiKeyHeader: string | undefined): AuthResult | undefined {
    let key: string | undefined;
    if (authorization !== undefined) {
      if (authorization.length !== 7 + API_KEY_LENGTH || !/^bearer bwk_/i.test(authorization))
        return undefined;
      key = authorization.slice(7);
    } else key = apiKeyHeader;
    if (key === undefined || !isWellFormedApiKey(key)) return undefined;
    const hit = this.cached(this.keyCache, hashApiKey(key));
    if (hit !== undefined && "principal" in hit) this.touch(hit.principal.id);
    return hit;
  }

  async authenticate(
    authorization: string | undefined,
    apiKeyHeader: string | undefined,
    options: { allowBasic?: boolean; address?: string } = {},
  ): Promise<AuthResult> {
    if (authorization !== undefined) {
      const space = authorization.indexOf(" ");
      const scheme = space > 0 ? authorization.slice(0, space).toLowerCase() : "";
      const value = space > 0 ? authorization.slice(space + 1).trim() : "";
      if (value === "") return { failure: "malformed_credentials" };
      if (scheme === "bearer") {
        return value.startsWith(API_KEY_PREFIX) ? this.byApiKey(value) : this.byToken(value);
      }
      if (scheme === "basic" && options.allowBasic) return this.byBasic(value, options.address ?? "unknown");
      return { failure: "malformed_credentials" };
    }
    if (apiKeyHeader !== undefined) return this.byApiKey(apiKeyHeader.trim());
    return { failure: "missing_credentials" };
  }

  /** A browser session's cookie: a token from the login, never an API key. */
  async authenticateSession(token: string): Promise<AuthResult> {
    if (token === "" || token.startsWith(API_KEY_PREFIX)) return { failure: "invalid_token" };
    return this.byToken(token);
  }

  private cached(cache: Map<string, Cached>, id: string): AuthResult | undefined {
    const hit = cache.get(id);
    if (hit === undefined) return undefined;
    if (hit.until > Date.now()) return hit.result;
    cache.delete(id);
    return undefined;
  }

  private remember(cache: Map<string, Cached>, id: string, result: AuthResult, until = Infinity): AuthResult {
    if (this.cacheTtlMs > 0) {
      if (cache.size >= MAX_CACHE) cache.clear();
      cache.set(id, { result, until: Math.min(Date.now() + this.cacheTtlMs, until) });
    }
    return result;
  }

  private async byApiKey(key: string): Promise<AuthResult> {
    if (!isWellFormedApiKey(key)) return { failure: "invalid_api_key" };
    const hash = hashApiKey(key);
    const hit = this.cached(this.keyCache, hash);
    if (hit !== undefined) {
      if ("principal" in hit) this.touch(hit.principal.id);
      return hit;
    }
    const row = await this.keys.byHash(hash);
    if (!row || !isRole(row.role)) return this.remember(this.keyCache, hash, { failure: "invalid_api_key" });
    if (row.revoked_at !== null) return this.remember(this.keyCache, hash, { failure: "revoked_api_key" });
    let expires = row.expires_at ? Date.parse(row.expires_at) : Infinity;
    if (expires <= Date.now()) return this.remember(this.keyCache, hash, { failure: "expired_api_key" });
    if (row.key_hash !== hash) {
      // The secret before the last rotation: accepted until its grace period ends.
      const until = row.previous_valid_until ? Date.parse(row.previous_valid_until) : 0;
      if (!(until > Date.now())) return this.remember(this.keyCache, hash, { failure: "rotated_api_key" });
      expires = Math.min(expires, until);
    }
    this.touch(row.id);
    return this.remember(this.keyCache, hash, { principal: keyPrincipal(row, row.role) }, expires);
  }

  /** Records a key's last use at most once a minute, off the request's path. */
  private touch(id: string): void {
    const now = Date.now();
    if ((this.touched.get(id) ?? 0) + TOUCH_EVERY_MS > now) return;
    if (this.touched.size >= MAX_CACHE) this.touched.clear();
    this.touched.set(id, now);
    this.keys.touch(id).catch(() => undefined);
  }

  private async byToken(token: string): Promise<AuthResult> {
    const verified = await this.signer.verify(token);
    if ("error" in verified)
      return { failure: verified.error === "expired" ? "expired_token" : "invalid_token" };
    return this.byUserId(verified.sub, verified.gen);
  }

  /**
   * Not cached: a cache here would keep a disabled user's or an old password's tokens alive
   * on the other replicas until it expired. The lookup is by primary key (see BENCHMARKS.md).
   */
  private async byUserId(id: string, generation: number): Promise<AuthResult> {
    const row = await this.users.byId(id);
    if (!row || !isRole(row.role)) return { failure: "invalid_token" };
    if (Number(row.disabled) === 1) return { failure: "disabled_user" };
    if (generation !== Number(row.token_generation)) return { failure: "ended_token" };
    return { principal: { kind: "user", id: row.id, name: row.username, role: row.role } };
  }

  /** HTTP Basic, accepted only where the browser must authenticate itself (the docs). */
  private async byBasic(value: string, address: string): Promise<AuthResult> {
    const id = createHash("sha256").update(value).digest("hex");
    const hit = this.cached(this.basicCache, id);
    // A cached right password is still checked against the user's row (one lookup, no
    // argon2): after a password change or a disable it stops working at once, as tokens do.
    if (hit !== undefined && "principal" in hit && hit.principal.kind === "user") {
      const still = await this.byUserId(hit.principal.id, hit.tokenGeneration ?? 0);
      if ("principal" in still) return hit;
      this.basicCache.delete(id); // and check it as a password, answering as for any other
    } else if (hit !== undefined) return hit;
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return { failure: "malformed_credentials" };
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // An API key works as the password (any username), as curl -u and browsers allow.
    if (password.startsWith(API_KEY_PREFIX))
      return this.remember(this.basicCache, id, await this.byApiKey(password));
    // A right password seen within the TTL comes from the cache above and is not a guess;
    // every other one is counted against the same budget as the login route.
    const result = await this.checkPassword(username, password, address);
    return "principal" in result ? this.remember(this.basicCache, id, result) : result;
  }

  /**
   * Username and password against the stored argon2id hash, in constant-ish time for
   * unknown users, after counting the attempt against the password budget of
   * (address, username). The only way any route checks a password.
   */
  async checkPassword(username: string, password: string, address: string): Promise<AuthResult> {
    const limited = await this.budget.spend(address, username);
    if (limited) return { limited };
    const row = username.length <= 64 ? await this.users.byUsername(username) : undefined;
    const ok = await verifyPassword(row?.password_hash ?? (await dummyPasswordHash()), password);
    if (!row || !ok || !isRole(row.role)) return { failure: "invalid_password" };
    // Same answer as a wrong password: only who knows the password learns nothing new,
    // and a guesser cannot tell a disabled account's right password from a wrong one.
    if (Number(row.disabled) === 1) return { failure: "invalid_password", reason: "disabled_user" };
    return {
      principal: { kind: "user", id: row.id, name: row.username, role: row.role },
      tokenGeneration: Number(row.token_generation),
    };
  }
}

function keyPrincipal(row: ApiKeysTable, role: Role): Principal {
  const budget = budgetOf(row);
  return { kind: "key", id: row.id, name: row.name, role, ...(budget ? { budget } : {}) };
}
