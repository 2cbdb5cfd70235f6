/**
 * Signing in with a username and password, shared by POST /v1/auth/login (a bearer token)
 * and POST /v1/session (the same token in the dashboard's cookie): one budget, one audit
 * trail, one answer for a wrong password and a disabled user.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Principal } from "./auth/roles.js";
import { actorOf } from "./auth/roles.js";
import type { ServerContext } from "./context.js";
import { sendError } from "./errors.js";
import { tooMany } from "./plugins/guard.js";

export interface SignedIn {
  principal: Principal;
  token: string;
  expiresAt: string;
}

/** The signed-in user and a fresh token, or the reply already sent (401 or 429). */
export async function signIn(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  credentials: { username: string; password: string },
): Promise<SignedIn | FastifyReply> {
  const { username, password } = credentials;
  const result = await ctx.auth.checkPassword(username, password, request.ip);
  if ("limited" in result) return tooMany(reply, result.limited, "login", ctx.metrics);
  if ("failure" in result) {
    const reason = result.reason ?? result.failure;
    ctx.metrics.authFailures.inc({ reason });
    await ctx.audit.record({
      actor: `anonymous@${request.ip}`,
      action: "auth.refused",
      target: `user:${username.slice(0, 64)}`,
      outcome: "denied",
      details: { reason, ip: request.ip, requestId: request.id },
    });
    reply.header("www-authenticate", 'Bearer realm="bulwark"');
    return sendError(reply, 401, "UNAUTHENTICATED", "wrong username or password");
  }
  const p = result.principal;
  const issued = await ctx.auth.signer.issue({
    sub: p.id,
    name: p.name,
    role: p.role,
    gen: result.tokenGeneration ?? 0,
  });
  await ctx.users.touchLogin(p.id);
  await ctx.audit.record({
    actor: actorOf(p),
    action: "auth.login",
    target: `user:${p.name}`,
    outcome: "success",
    details: { ip: request.ip, expiresAt: issued.expiresAt },
  });
  return { principal: p, token: issued.token, expiresAt: issued.expiresAt };
}

export function isSignedIn(r: SignedIn | FastifyReply): r is SignedIn {
  return "token" in r && typeof (r as SignedIn).token === "string";
}
