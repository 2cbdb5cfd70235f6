/**
 * /v1/models: the model registry remotely: versions and their lineage, stage history,
 * integrity checks, and (admin) promotion and rollback. A production change takes effect
 * in this server at once and in the others at their next poll.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { parseModelRef } from "../../registry/versions.js";
import { STAGES, type StageChange } from "../../registry/registry.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import {
  ModelVerify,
  ModelVersionDetail,
  ModelVersionRef,
  StageChange as StageChangeSchema,
  StageEventRef,
} from "../schemas/registry.js";
import { workspaceFor } from "./workspace.js";

const Ref = Type.Object({
  ref: Type.String({ minLength: 1, maxLength: 200, description: "NAME@VERSION, NAME@STAGE or NAME" }),
});
const Name = Type.Object({ name: Type.String({ pattern: "^[a-z0-9][a-z0-9._-]{0,63}$" }) });
const ListQuery = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 64 })),
    stage: Type.Optional(Type.Union(STAGES.map((s) => Type.Literal(s)))),
  },
  { additionalProperties: false },
);
const PromoteBody = Type.Object(
  {
    stage: Type.Optional(
      Type.Union(
        STAGES.filter((s) => s !== "none").map((s) => Type.Literal(s)),
        { default: "production" },
      ),
    ),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
const RollbackBody = Type.Object(
  {
    to: Type.Optional(
      Type.String({
        maxLength: 64,
        description: "A version that was in production (default: the previous one)",
      }),
    ),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export function modelRoutes(ctx: ServerContext): FastifyPluginAsync {
  /** After a production change of the served model, serve the new one here and now. */
  const reloadIfServed = async (request: FastifyRequest, change: StageChange) => {
    if (change.version.name !== ctx.config.detector.model || !change.event) return;
    if (change.event.to !== "production" && change.event.from !== "production" && !change.demoted) return;
    await ctx.models
      .load()
      .catch((err: unknown) => request.log.warn({ err }, "could not load the new production model"));
  };

  return async (app) => {
    const read = { access: "read" as const };
    const admin = { access: "admin" as const };

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      "/v1/models",
      {
        config: read,
        schema: {
          tags: ["models"],
          summary: "Model versions, newest first per model",
          querystring: ListQuery,
          response: responses(Type.Array(ModelVersionRef)),
        },
      },
      async (request) => {
        const r = await workspaceFor(ctx, request);
        return ok(
          await r.registry.list({
            ...(request.query.name ? { name: request.query.name } : {}),
            ...(request.query.stage ? { stage: request.query.stage } : {}),
          }),
        );
      },
    );

    app.get<{ Params: Static<typeof Ref> }>(
      "/v1/models/:ref",
      {
        config: read,
        schema: {
          tags: ["models"],
          summary: "One version with its stage history",
          params: Ref,
          response: responses(ModelVersionDetail),
        },
      },
      async (request) => {
        const r = await workspaceFor(ctx, request);
        const v = await r.registry.resolve(request.params.ref);
        const history = (await r.registry.history(v.name)).filter((e) => e.version === v.version);
        return ok({ ...v, history });
      },
    );

    app.get<{ Params: Static<typeof Name> }>(
      "/v1/models/:name/history",
      {
        config: read,
        schema: {
          tags: ["models"],
          summary: "Stage changes of a model, newest first",
          params: Name,
          response: responses(Type.Array(StageEventRef)),
        },
      },
      async (request) => ok(await (await workspaceFor(ctx, request)).registry.history(request.params.name)),
    );

    app.get<{ Params: Static<typeof Ref> }>(
      "/v1/models/:ref/verify",
      {
        config: read,
        schema: {
          tags: ["models"],
          summary: "Check artifacts against their recorded SHA-256 (NAME: every version of it)",
          params: Ref,
          response: responses(ModelVerify),
        },
      },
      async (request) => {
        const r = await workspaceFor(ctx, request);
        const ref = request.params.ref;
        const results = ref.includes("@")
          ? await r.registry.verifyMany([await r.registry.resolve(ref)])
          : await r.registry.verifyAll(parseModelRef(ref).name);
        const failed = results.filter((x) => !x.ok).length;
        return ok({ ok: failed === 0, checked: results.length, failed, results });
      },
    );

    app.post<{ Params: Static<typeof Ref>; Body: Static<typeof PromoteBody> }>(
      "/v1/models/:ref/promote",
      {
        config: admin,
        schema: {
          tags: ["models"],
          summary:
            "Move a version to production (default), staging or archived; its artifact is verified first",
          params: Ref,
          body: PromoteBody,
          response: responses(StageChangeSchema),
        },
      },
      async (request) => {
        const r = await workspaceFor(ctx, request);
        const change = await r.registry.setStage(request.params.ref, request.body.stage ?? "production", {
          ...(request.body.reason ? { reason: request.body.reason } : {}),
        });
        await reloadIfServed(request, change);
        return ok(change);
      },
    );

    app.post<{ Params: Static<typeof Name>; Body: Static<typeof RollbackBody> }>(
      "/v1/models/:name/rollback",
      {
        config: admin,
        schema: {
          tags: ["models"],
          summary: "Put the previous (or a given earlier) production version back in production",
          params: Name,
          body: RollbackBody,
          response: responses(StageChangeSchema),
        },
      },
      async (request) => {
        const r = await workspaceFor(ctx, request);
        const change = await r.registry.rollback(request.params.name, {
          ...(request.body.to ? { to: request.body.to } : {}),
          ...(request.body.reason ? { reason: request.body.reason } : {}),
        });
        await reloadIfServed(request, change);
        return ok(change);
      },
    );
  };
}
