/** /v1/learn/cycles: start a learning cycle (a job; admin, since it may promote) and read past ones. */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { LearnCycleRequest } from "../../jobs/handlers/learn-cycle.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { LearnCycleRef } from "../schemas/learn.js";
import { enqueueAudited } from "./enqueue.js";
import { workspaceFor } from "./workspace.js";

const CyclesQuery = Type.Object(
  {
    model: Type.Optional(Type.String({ maxLength: 64 })),
    decision: Type.Optional(Type.Union([Type.Literal("promoted"), Type.Literal("rejected")])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export function learnRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: Static<typeof LearnCycleRequest> }>(
      "/v1/learn/cycles",
      {
        config: { access: "admin" },
        schema: {
          tags: ["learning"],
          summary:
            "Start a learning cycle: a campaign against the production model, a challenger trained on what it missed, promoted only if it wins",
          body: LearnCycleRequest,
          response: responses(Type.Ref("Job"), 202),
        },
      },
      async (request, reply) => {
        const job = await enqueueAudited(ctx, request.principal, "learn.cycle", request.body, {
          cases: request.body.cases ?? null,
          seed: request.body.seed ?? null,
        });
        return reply.code(202).send(ok(job));
      },
    );

    app.get<{ Querystring: Static<typeof CyclesQuery> }>(
      "/v1/learn/cycles",
      {
        config: { access: "read" },
        schema: {
          tags: ["learning"],
          summary: "Learning cycles, newest first",
          querystring: CyclesQuery,
          response: responses(Type.Array(LearnCycleRef)),
        },
      },
      async (request) => {
        const q = request.query;
        const w = await workspaceFor(ctx, request);
        return ok(
          await w.cycles.list({
            ...(q.model ? { model: q.model } : {}),
            ...(q.decision ? { decision: q.decision } : {}),
            limit: q.limit ?? 50,
          }),
        );
      },
    );

    app.get<{ Params: Static<typeof Id> }>(
      "/v1/learn/cycles/:id",
      {
        config: { access: "read" },
        schema: {
          tags: ["learning"],
          summary: "One learning cycle, with its figures",
          params: Id,
          response: responses(LearnCycleRef),
        },
      },
      async (request) => ok(await (await workspaceFor(ctx, request)).cycles.get(request.params.id)),
    );
  };
}
