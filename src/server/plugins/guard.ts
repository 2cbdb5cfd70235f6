/**
 * Every request passes one guard, in this order: the client address's budget, then who
 * is calling (API key, JWT, Basic on the docs, or the dashboard's session cookie), then
 * that caller's budget, then whether its role allows the route. A call that changes
 * something and is authenticated by the cookie alone must also carry the session's
 * X-CSRF-Token header: a browser sends the cookie with a forged cross-site request too,
 * but a page on another site cannot read the token. Refusals are 401/403/429 with the
 * error envelope; refused credentials and roles are audited, off the request's path.
 *
 * Routes declare what they need in `config.access` ("public", "detect", "read",
 * "operate", "admin"); a route that says nothing needs any valid credential.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HashChainAuditLog } from "../../audit/chain.js";
import type { Authenticator, AuthFailure } from "../auth/authenticator.js";
import { actorOf, allows, type Access, type Principal } from "../auth/roles.js";
import { sendError } from "../errors.js";
import type { ServiceMetrics } from "../metrics/registry.js";
import type { RateDecision, RateLimiter } from "../rate-limit/types.js";
import { msUntilUtcMidnight } from "../auth/budgets.js";
import type { ServiceSettings } from "../../app/settings.js";
import { clearSessionCookie, SESSION_COOKIE } from "./session-cookie.js";

/** Methods that change nothing: a cookie alone is enough for them. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

declare module "fastify" {
  interface FastifyContextConfig {
    /** Who may call the route; default: any authenticated caller. */
    access?: Access | "public";
    /** "exempt": no budget at all (health probes); "login": the per-username login budget too. */
    rateLimit?: "exempt" | "login";
    /** Accept HTTP Basic (username and password, or an API key as password): the docs, for browsers. */
    basicAuth?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
    /** The token of the browser session, when the cookie is what authenticated the call. */
    sessionToken: string | undefined;
  }
}

const FAILURE_TEXT: Record<AuthFailure, string> = {
  missing_credentials:
    "credentials are required: send Authorization: Bearer <API key or token>, or X-API-Key",
  malformed_credentials: "the Authorization header is not understood: use Bearer <API key or token>",
  invalid_api_key: "the API key is not valid",
  revoked_api_key: "the API key was revoked",
  expired_api_key: "the API key has expired",
  rotated_api_key: "the API key was rotated and its grace period is over: use the new key",
  invalid_token: "the token is not valid",
  expired_token: "the token has expired: log in again",
  ended_token: "the token was ended by a password change or a disable: log in again",
  invalid_password: "wrong username or password",
  disabled_user: "the user is disabled",
};

export interface GuardDeps {
  auth: Authenticator;
  limiter: RateLimiter;
  settings: ServiceSettings;
  metrics: ServiceMetrics;
  audit: HashChainAuditLog;
}

export function tooMany(
  reply: FastifyReply,
  d: RateDecision,
  scope: string,
  metrics: ServiceMetrics,
): FastifyReply {
  metrics.rateLimited.inc({ scope });
  const seconds = Math.max(1, Math.ceil(d.resetMs / 1000));
  reply.header("retry-after", String(seconds));
  return sendError(reply, 429, "RATE_LIMITED", `too many requests: retry in ${seconds} s`, {
    scope,
    limit: d.limit,
    retryAfterSeconds: seconds,
  });
}

/**
 * One request against a key's quota for the current UTC day: the bucket is named by the
 * day and lives until midnight, so the next day starts from zero on every replica.
 */
function spendQuota(limiter: RateLimiter, keyId: string, quota: number, now: number): Promise<RateDecision> {
  const day = new Date(now).toISOString().slice(0, 10);
  const bucket = `quota:${keyId}:${day}`;
  const untilMidnight = msUntilUtcMidnight(now);
  return limiter.hitSync
    ? Promise.resolve(limiter.hitSync(bucket, quota, untilMidnight))
    : limiter.hit(bucket, quota, untilMidnight);
}

function quotaExceeded(
  reply: FastifyReply,
  d: RateDecision,
  now: number,
  metrics: ServiceMetrics,
): FastifyReply {
  metrics.rateLimited.inc({ scope: "quota" });
  const seconds = Math.max(1, Math.ceil(msUntilUtcMidnight(now) / 1000));
  const resetsAt = new Date(now + msUntilUtcMidnight(now)).toISOString();
  reply.header("retry-after", String(seconds));
  return sendError(
    reply,
    429,
    "QUOTA_EXCEEDED",
    `the API key's daily quota of ${d.limit} requests is spent: it starts again at 00:00 UTC, in ${seconds} s`,
    { scope: "quota", limit: d.limit, resetsAt, retryAfterSeconds: seconds },
  );
}

function csrfHeader(request: FastifyRequest): string | undefined {
  const value = request.headers["x-csrf-token"];
  return typeof value === "string" ? value : undefined;
}

export function installGuard(app: FastifyInstance, deps: GuardDeps): void {
  const { auth, limiter, settings, metrics, audit } = deps;
  const { windowMs, perIp, perKey } = settings.rateLimit;

  const refuse = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: 401 | 403,
    reason: string,
    message: string,
    code?: string,
  ): FastifyReply => {
    metrics.authFailures.inc({ reason });
    audit
      .record({
        actor: actorOf(request.principal, `anonymous@${request.ip}`),
        action: "auth.refused",
        target: `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]!.slice(0, 200)}`,
        outcome: "denied",
        details: { reason, status, ip: request.ip, requestId: request.id },
      })
      .catch((err: unknown) =>
        request.log.error({ err }, "could not write the audit entry of a refused request"),
      );
    if (status === 401) {
      reply.header(
        "www-authenticate",
        request.routeOptions.config.basicAuth
          ? 'Basic realm="bulwark", charset="UTF-8"'
          : 'Bearer realm="bulwark"',
      );
    }
    return sendError(reply, status, code ?? (status === 401 ? "UNAUTHENTICATED" : "FORBIDDEN"), message);
  };

  app.decorateRequest("principal", undefined);
  app.decorateRequest("sessionToken", undefined);
  app.addHook("onRequest", async (request, reply) => {
    const config = request.routeOptions.config;
    if (config.rateLimit === "exempt") return;
    if (perIp > 0) {
      const bucket = `ip:${request.ip}`;
      const d = limiter.hitSync
        ? limiter.hitSync(bucket, perIp, windowMs)
        : await limiter.hit(bucket, perIp, windowMs);
      if (!d.allowed) return tooMany(reply, d, "ip", metrics);
    }
    const access = config.access ?? "detect";
    if (access === "public") return;

    const { authorization } = request.headers;
    const apiKey = request.headers["x-api-key"];
    if (typeof apiKey !== "string" && apiKey !== undefined) {
      return refuse(request, reply, 401, "malformed_credentials", FAILURE_TEXT.malformed_credentials);
    }
    // An explicit credential wins over the cookie, so API clients never need a CSRF token.
    const cookie =
      authorization === undefined && apiKey === undefined ? request.cookies[SESSION_COOKIE] : undefined;
    // A key seen within the cache TTL is decided without a promise: the common case.
    const result =
      cookie !== undefined
        ? await auth.authenticateSession(cookie)
        : (auth.cachedKey(authorization, apiKey) ??
          (await auth.authenticate(authorization, apiKey, {
            allowBasic: config.basicAuth === true,
            address: request.ip,
          })));
    // Basic on the docs spends the login budget: the same 429 as POST /v1/auth/login.
    if ("limited" in result) return tooMany(reply, result.limited, "login", metrics);
    if ("failure" in result) {
      // A dead session's cookies are dropped, so the page stops presenting them.
      if (cookie !== undefined) clearSessionCookie(request, reply);
      return refuse(request, reply, 401, result.reason ?? result.failure, FAILURE_TEXT[result.failure]);
    }
    request.principal = result.principal;
    if (cookie !== undefined) {
      request.sessionToken = cookie;
      if (!SAFE_METHODS.has(request.method) && !auth.signer.checkCsrf(cookie, csrfHeader(request))) {
        return refuse(
          request,
          reply,
          403,
          "csrf_token",
          "this call changes something and comes with the session cookie: send the session's X-CSRF-Token header (from POST or GET /v1/session)",
          "CSRF_TOKEN_INVALID",
        );
      }
    }

    // A key's own rate limit replaces the default; its daily quota comes on top.
    const own = result.principal.budget;
    const keyLimit = own?.rateLimit?.limit ?? perKey;
    const keyWindow = own?.rateLimit?.windowMs ?? windowMs;
    if (keyLimit > 0) {
      const bucket = `${result.principal.kind}:${result.principal.id}`;
      const d = limiter.hitSync
        ? limiter.hitSync(bucket, keyLimit, keyWindow)
        : await limiter.hit(bucket, keyLimit, keyWindow);
      if (!d.allowed) return tooMany(reply, d, "key", metrics);
    }
    if (own?.dailyQuota !== undefined) {
      const now = Date.now();
      const d = await spendQuota(limiter, result.principal.id, own.dailyQuota, now);
      if (!d.allowed) return quotaExceeded(reply, d, now, metrics);
    }
    if (!allows(result.principal.role, access)) {
      return refuse(
        request,
        reply,
        403,
        "forbidden_role",
        `the ${result.principal.role} role may not do this (it needs ${access === "admin" ? "admin" : "analyst or admin"})`,
      );
    }
  });
}
