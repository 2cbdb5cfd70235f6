/** /v1/keys: API keys for services (admin only). The key itself is in the creation response only. */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { creationAuditEntry, rotationAuditEntry } from "../auth/keys.js";
import { actorOf } from "../auth/roles.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { DEFAULT_GRACE, parseGrace } from "../auth/rotation.js";
import { ApiKey, CreateKeyBody, CreatedKey, IdParams, RotateKeyBody } from "../schemas/service.js";

const ListQuery = Type.Object(
  { includeRevoked: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export function keyRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    const admin = { access: "admin" as const };
    app.get<{ Querystring: Static<typeof ListQuery> }>(
      "/v1/keys",
      {
        config: admin,
        schema: {
          tags: ["keys"],
          summary: "List API keys (never the keys themselves)",
          querystring: ListQuery,
          response: responses(Type.Array(ApiKey)),
        },
      },
      async (request) => ok(await ctx.keys.list({ includeRevoked: request.query.includeRevoked === true })),
    );

    app.post<{ Body: Static<typeof CreateKeyBody> }>(
      "/v1/keys",
      {
        config: admin,
        schema: {
          tags: ["keys"],
          summary: "Create an API key; the response is the only time it is shown",
          body: CreateKeyBody,
          response: responses(CreatedKey, 201),
        },
      },
      async (request, reply) => {
        const created = await ctx.keys.create({
          name: request.body.name,
          role: request.body.role,
          createdBy: actorOf(request.principal),
          expiresAt: request.body.expiresAt ?? null,
          rateLimit: request.body.rateLimit ?? null,
          quota: request.body.quota ?? null,
        });
        await ctx.audit.record(creationAuditEntry(actorOf(request.principal), created.info));
        return reply.code(201).send(ok(created));
      },
    );

    app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RotateKeyBody> | undefined }>(
      "/v1/keys/:id/rotate",
      {
        config: admin,
        schema: {
          tags: ["keys"],
          summary:
            "Rotate an API key: a new secret (shown this once); the current one stays valid for the grace period",
          params: IdParams,
          body: RotateKeyBody,
          response: responses(CreatedKey),
        },
      },
      async (request) => {
        const grace = request.body?.grace ?? DEFAULT_GRACE;
        const rotated = await ctx.keys.rotate(request.params.id, parseGrace(grace));
        ctx.auth.invalidate();
        await ctx.audit.record(rotationAuditEntry(actorOf(request.principal), rotated));
        return ok({ key: rotated.key, info: rotated.info });
      },
    );

    app.delete<{ Params: Static<typeof IdParams> }>(
      "/v1/keys/:id",
      {
        config: admin,
        schema: {
          tags: ["keys"],
          summary: "Revoke an API key",
          params: IdParams,
          response: responses(ApiKey),
        },
      },
      async (request) => {
        const info = await ctx.keys.revoke(request.params.id);
        ctx.auth.invalidate();
        await ctx.audit.record({
          actor: actorOf(request.principal),
          action: "key.revoke",
          target: `key:${info.name}`,
          outcome: "success",
          details: { id: info.id },
        });
        return ok(info);
      },
    );
  };
}
