/** /v1/users: people who log in (admin only). */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { actorOf } from "../auth/roles.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { CreateUserBody, IdParams, UpdateUserBody, User } from "../schemas/service.js";

export function userRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    const admin = { access: "admin" as const };
    app.get(
      "/v1/users",
      {
        config: admin,
        schema: { tags: ["users"], summary: "List users", response: responses(Type.Array(User)) },
      },
      async () => ok(await ctx.users.list()),
    );

    app.post<{ Body: Static<typeof CreateUserBody> }>(
      "/v1/users",
      {
        config: admin,
        schema: {
          tags: ["users"],
          summary: "Create a user",
          body: CreateUserBody,
          response: responses(User, 201),
        },
      },
      async (request, reply) => {
        const user = await ctx.users.create({ ...request.body, createdBy: actorOf(request.principal) });
        await ctx.audit.record({
          actor: actorOf(request.principal),
          action: "user.create",
          target: `user:${user.username}`,
          outcome: "success",
          details: { role: user.role },
        });
        return reply.code(201).send(ok(user));
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      "/v1/users/:id",
      {
        config: admin,
        schema: {
          tags: ["users"],
          summary: "One user, by id or username",
          params: IdParams,
          response: responses(User),
        },
      },
      async (request) => ok(await ctx.users.get(request.params.id)),
    );

    app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateUserBody> }>(
      "/v1/users/:id",
      {
        config: admin,
        schema: {
          tags: ["users"],
          summary: "Change a user's role, password or disabled flag",
          params: IdParams,
          body: UpdateUserBody,
          response: responses(User),
        },
      },
      async (request) => {
        const user = await ctx.users.update(request.params.id, request.body);
        ctx.auth.invalidate();
        const { password, ...changed } = request.body;
        await ctx.audit.record({
          actor: actorOf(request.principal),
          action: "user.update",
          target: `user:${user.username}`,
          outcome: "success",
          details: { ...changed, ...(password !== undefined ? { password: "changed" } : {}) },
        });
        return ok(user);
      },
    );

    app.delete<{ Params: Static<typeof IdParams> }>(
      "/v1/users/:id",
      {
        config: admin,
        schema: { tags: ["users"], summary: "Delete a user", params: IdParams, response: responses(User) },
      },
      async (request) => {
        const user = await ctx.users.remove(request.params.id);
        ctx.auth.invalidate();
        await ctx.audit.record({
          actor: actorOf(request.principal),
          action: "user.delete",
          target: `user:${user.username}`,
          outcome: "success",
        });
        return ok(user);
      },
    );
  };
}
