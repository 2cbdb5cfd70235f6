/**
 * The dashboard's browser session: POST /v1/session signs in and puts the token in an
 * HttpOnly cookie, answering the CSRF token the page must send back on every change;
 * GET /v1/session says who is signed in (after a reload) and, once the session's token is
 * past half its life, renews it: the page asks when the user moves between pages, so an
 * active session goes on while an idle one ends with its token (BULWARK_TOKEN_TTL).
 * DELETE /v1/session signs out.
 * Signing out ends the user's token generation, so the cookie's token is dead on every
 * server process even if a copy of it survives somewhere.
 */
import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { BulwarkError } from "../../core/errors.js";
import { actorOf } from "../auth/roles.js";
import type { ServerContext } from "../context.js";
import { clearSessionCookie, setSessionCookie } from "../plugins/session-cookie.js";
import { ok, responses } from "../replies.js";
import { LoginBody } from "../schemas/service.js";
import { SessionInfo } from "../schemas/session.js";
import { isSignedIn, signIn } from "../sign-in.js";

export function sessionRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: Static<typeof LoginBody> }>(
      "/v1/session",
      {
        config: { access: "public", rateLimit: "login" },
        schema: {
          tags: ["session"],
          summary: "Sign in to the dashboard: sets the session cookie, answers the CSRF token",
          security: [],
          body: LoginBody,
          response: responses(SessionInfo),
        },
      },
      async (request, reply) => {
        const signed = await signIn(ctx, request, reply, request.body);
        if (!isSignedIn(signed)) return signed;
        const csrfToken = ctx.auth.signer.csrfToken(signed.token);
        setSessionCookie(request, reply, signed.token, csrfToken, signed.expiresAt);
        const p = signed.principal;
        return ok({
          user: { id: p.id, username: p.name, role: p.role },
          csrfToken,
          expiresAt: signed.expiresAt,
        });
      },
    );

    app.get(
      "/v1/session",
      {
        config: { access: "detect" },
        schema: {
          tags: ["session"],
          summary:
            "The signed-in user and the session's CSRF token (session cookie only); renews a session past half its life",
          response: responses(SessionInfo),
        },
      },
      async (request, reply) => {
        const p = request.principal!;
        const token = request.sessionToken;
        if (token === undefined)
          throw new BulwarkError("NO_SESSION", "this call is for the dashboard's session cookie", 400);
        const user = { id: p.id, username: p.name, role: p.role };
        const verified = await ctx.auth.signer.verify(token);
        if ("error" in verified) throw new BulwarkError("UNAUTHENTICATED", "the session has ended", 401);
        const expiresAt = new Date(verified.exp * 1000).toISOString();
        const halfLife = (ctx.settings.tokenTtlSeconds * 1000) / 2;
        if (verified.exp * 1000 - Date.now() > halfLife) {
          return ok({ user, csrfToken: ctx.auth.signer.csrfToken(token), expiresAt });
        }
        // The same generation: a sign-out or password change since would have refused the call.
        const renewed = await ctx.auth.signer.issue({
          sub: p.id,
          name: p.name,
          role: p.role,
          gen: verified.gen,
        });
        const csrfToken = ctx.auth.signer.csrfToken(renewed.token);
        setSessionCookie(request, reply, renewed.token, csrfToken, renewed.expiresAt);
        return ok({ user, csrfToken, expiresAt: renewed.expiresAt });
      },
    );

    app.delete(
      "/v1/session",
      {
        config: { access: "detect" },
        schema: {
          tags: ["session"],
          summary: "Sign out: ends the user's sessions and tokens on every server process",
          response: responses(Type.Object({ ended: Type.Boolean() })),
        },
      },
      async (request, reply) => {
        const p = request.principal!;
        clearSessionCookie(request, reply);
        if (p.kind !== "user") throw new BulwarkError("NOT_A_USER", "API keys have no session", 400);
        await ctx.users.endSessions(p.id);
        await ctx.audit.record({
          actor: actorOf(p),
          action: "auth.logout",
          target: `user:${p.name}`,
          outcome: "success",
          details: { ip: request.ip },
        });
        return ok({ ended: true });
      },
    );
  };
}
