/** POST /v1/training (a training job) and /v1/runs (what each run used and produced). */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { BulwarkError } from "../../core/errors.js";
import { TrainingPayload } from "../../jobs/handlers/training.js";
import { compareRuns } from "../../train/runs.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { RUN_STATUSES, RunComparison, RunRef } from "../schemas/runs.js";
import { enqueueAudited } from "./enqueue.js";
import { workspaceFor } from "./workspace.js";

const RunsQuery = Type.Object(
  {
    model: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(Type.Union(RUN_STATUSES.map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const CompareQuery = Type.Object(
  { a: Type.String({ maxLength: 100 }), b: Type.String({ maxLength: 100 }) },
  { additionalProperties: false },
);
export function trainingRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: Static<typeof TrainingPayload> }>(
      "/v1/training",
      {
        config: { access: "operate" },
        schema: {
          tags: ["training"],
          summary: "Start a training job; its run and model version appear when it ends",
          body: TrainingPayload,
          response: responses(Type.Ref("Job"), 202),
        },
      },
      async (request, reply) => {
        if (request.body.stage === "production" && request.principal?.role !== "admin") {
          throw new BulwarkError(
            "FORBIDDEN",
            "only an admin may train straight into production: use stage staging, then ask an admin to promote",
            403,
          );
        }
        const job = await enqueueAudited(ctx, request.principal, "training.run", request.body, {
          datasets: request.body.datasets ?? ["bundled"],
          stage: request.body.stage ?? "none",
        });
        return reply.code(202).send(ok(job));
      },
    );

    app.get<{ Querystring: Static<typeof RunsQuery> }>(
      "/v1/runs",
      {
        config: { access: "read" },
        schema: {
          tags: ["training"],
          summary: "Training runs, newest first",
          querystring: RunsQuery,
          response: responses(Type.Array(RunRef)),
        },
      },
      async (request) => {
        const q = request.query;
        const r = await workspaceFor(ctx, request);
        return ok(
          await r.runs.list({
            ...(q.model ? { model: q.model } : {}),
            ...(q.status ? { status: q.status } : {}),
            limit: q.limit ?? 50,
          }),
        );
      },
    );

    app.get<{ Querystring: Static<typeof CompareQuery> }>(
      "/v1/runs/compare",
      {
        config: { access: "read" },
        schema: {
          tags: ["training"],
          summary: "Two runs side by side: parameters, datasets, metrics",
          querystring: CompareQuery,
          response: responses(RunComparison),
        },
      },
      async (request) => {
        const r = await workspaceFor(ctx, request);
        return ok(compareRuns(await r.runs.get(request.query.a), await r.runs.get(request.query.b)));
      },
    );

    app.get<{ Params: Static<typeof Id> }>(
      "/v1/runs/:id",
      {
        config: { access: "read" },
        schema: { tags: ["training"], summary: "One run", params: Id, response: responses(RunRef) },
      },
      async (request) => ok(await (await workspaceFor(ctx, request)).runs.get(request.params.id)),
    );
  };
}
