/** /v1/jobs: status, progress and logs of long work, whichever queue runs it. */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { actorOf } from "../auth/roles.js";
import { assertJobAccess } from "../auth/job-access.js";
import { BulwarkError } from "../../core/errors.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { enqueueAudited } from "./enqueue.js";
import { SelftestPayload } from "../../jobs/handlers/selftest.js";
import { publicJob } from "../../jobs/store.js";
import { redactText } from "../../core/redact.js";
import { IdParams, JobListQuery, JobLogLine } from "../schemas/service.js";

const LogsQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  },
  { additionalProperties: false },
);

export function jobRoutes(ctx: ServerContext): FastifyPluginAsync {
  const store = ctx.jobs.store;
  return async (app) => {
    app.get<{ Querystring: Static<typeof JobListQuery> }>(
      "/v1/jobs",
      {
        config: { access: "read" },
        schema: {
          tags: ["jobs"],
          summary: "Jobs, newest first",
          querystring: JobListQuery,
          response: responses(Type.Array(Type.Ref("Job"))),
        },
      },
      async (request) => ok((await store.list(request.query)).map(publicJob)),
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      "/v1/jobs/:id",
      {
        config: { access: "read" },
        schema: {
          tags: ["jobs"],
          summary: "One job",
          params: IdParams,
          response: responses(Type.Ref("Job")),
        },
      },
      async (request) => ok(publicJob(await store.get(request.params.id))),
    );

    app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof LogsQuery> }>(
      "/v1/jobs/:id/logs",
      {
        config: { access: "read" },
        schema: {
          tags: ["jobs"],
          summary: "A job's log lines after a sequence number (poll with after=<last seq>)",
          params: IdParams,
          querystring: LogsQuery,
          response: responses(Type.Array(JobLogLine)),
        },
      },
      async (request) => {
        await store.get(request.params.id);
        const lines = await store.logs(
          request.params.id,
          request.query.after ?? 0,
          request.query.limit ?? 500,
        );
        return ok(lines.map((l) => ({ ...l, message: redactText(l.message) })));
      },
    );

    app.post<{ Params: Static<typeof IdParams> }>(
      "/v1/jobs/:id/cancel",
      {
        config: { access: "operate" },
        schema: {
          tags: ["jobs"],
          summary: "Cancel a queued job, or ask a running one to stop",
          params: IdParams,
          response: responses(Type.Ref("Job")),
        },
      },
      async (request) => {
        const target = await store.get(request.params.id);
        try {
          assertJobAccess(request.principal, target.type, "cancel");
        } catch (err) {
          if (err instanceof BulwarkError) {
            await ctx.audit.record({
              actor: actorOf(request.principal),
              action: "job.cancel",
              target: `job:${target.id}`,
              outcome: "denied",
              details: { type: target.type, reason: "admin_only" },
            });
          }
          throw err;
        }
        const job = publicJob(await ctx.jobs.queue.cancel(request.params.id));
        await ctx.audit.record({
          actor: actorOf(request.principal),
          action: "job.cancel",
          target: `job:${job.id}`,
          outcome: "success",
          details: { type: job.type, status: job.status },
        });
        return ok(job);
      },
    );

    app.post<{ Body: Static<typeof SelftestPayload> }>(
      "/v1/jobs/selftest",
      {
        config: { access: "admin" },
        schema: {
          tags: ["jobs"],
          summary:
            "Run a harmless job that waits `ms` (failing its first `failTimes` attempts): checks the queue and workers",
          body: SelftestPayload,
          response: responses(Type.Ref("Job"), 202),
        },
      },
      async (request, reply) => {
        const job = await enqueueAudited(ctx, request.principal, "system.selftest", request.body);
        return reply.code(202).send(ok(job));
      },
    );
  };
}
