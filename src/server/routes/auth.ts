/** POST /v1/auth/login (username and password for a short-lived token), /v1/auth/me, /v1/auth/password. */
import type { Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { BulwarkError } from "../../core/errors.js";
import { actorOf } from "../auth/roles.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { isSignedIn, signIn } from "../sign-in.js";
import { tooMany } from "../plugins/guard.js";
import { clearSessionCookie } from "../plugins/session-cookie.js";
import { ChangePasswordBody, LoginBody, LoginResult, Me } from "../schemas/service.js";
import { Type } from "@sinclair/typebox";

export function authRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: Static<typeof LoginBody> }>(
      "/v1/auth/login",
      {
        config: { access: "public", rateLimit: "login" },
        schema: {
          tags: ["auth"],
          summary: "Exchange a username and password for a short-lived bearer token",
          security: [],
          body: LoginBody,
          response: responses(LoginResult),
        },
      },
      async (request, reply) => {
        const signed = await signIn(ctx, request, reply, request.body);
        if (!isSignedIn(signed)) return signed;
        const p = signed.principal;
        return ok({
          token: signed.token,
          tokenType: "Bearer" as const,
          expiresAt: signed.expiresAt,
          user: { id: p.id, username: p.name, role: p.role },
        });
      },
    );

    app.get(
      "/v1/auth/me",
      {
        config: { access: "detect" },
        schema: { tags: ["auth"], summary: "Who the credential belongs to", response: responses(Me) },
      },
      async (request) => {
        const p = request.principal!;
        return ok({ kind: p.kind, id: p.id, name: p.name, role: p.role });
      },
    );

    app.post<{ Body: Static<typeof ChangePasswordBody> }>(
      "/v1/auth/password",
      {
        config: { access: "detect", rateLimit: "login" },
        schema: {
          tags: ["auth"],
          summary: "Change your own password (users, not API keys)",
          body: ChangePasswordBody,
          response: responses(Type.Object({ changed: Type.Boolean() })),
        },
      },
      async (request, reply) => {
        const p = request.principal!;
        if (p.kind !== "user") throw new BulwarkError("NOT_A_USER", "API keys have no password", 400);
        // Guessing the current password is a login attempt like any other.
        const check = await ctx.auth.checkPassword(p.name, request.body.currentPassword, request.ip);
        if ("limited" in check) return tooMany(reply, check.limited, "login", ctx.metrics);
        if ("failure" in check)
          throw new BulwarkError("UNAUTHENTICATED", "the current password is wrong", 401);
        await ctx.users.update(p.id, { password: request.body.newPassword });
        // The change ended this session too: its cookies go with it.
        if (request.sessionToken !== undefined) clearSessionCookie(request, reply);
        await ctx.audit.record({
          actor: actorOf(p),
          action: "user.password",
          target: `user:${p.name}`,
          outcome: "success",
        });
        return ok({ changed: true });
      },
    );
  };
}
