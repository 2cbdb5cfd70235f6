/** /v1/audit: the audit trail, its verification and snapshots (admin only). */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { actorOf } from "../auth/roles.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { AuditEntry, AuditQuery, AuditVerify } from "../schemas/service.js";

export function auditRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    const admin = { access: "admin" as const };
    app.get<{ Querystring: Static<typeof AuditQuery> }>(
      "/v1/audit",
      {
        config: admin,
        schema: {
          tags: ["audit"],
          summary: "Audit entries, oldest first (order=desc for newest first)",
          querystring: AuditQuery,
          response: responses(
            Type.Object({ entries: Type.Array(AuditEntry), next: Type.Union([Type.Integer(), Type.Null()]) }),
          ),
        },
      },
      async (request) => {
        const q = request.query;
        const limit = q.limit ?? 100;
        const entries = await ctx.audit.list({
          ...(q.after !== undefined ? { afterSeq: q.after } : {}),
          limit,
          ...(q.actor ? { actor: q.actor } : {}),
          ...(q.action ? { action: q.action } : {}),
          ...(q.outcome ? { outcome: q.outcome } : {}),
          order: q.order ?? "asc",
        });
        return ok({ entries, next: entries.length === limit ? entries.at(-1)!.seq : null });
      },
    );

    app.get(
      "/v1/audit/verify",
      {
        config: admin,
        schema: {
          tags: ["audit"],
          summary: "Walk the hash chain and check it against the locked snapshots",
          response: responses(AuditVerify),
        },
      },
      async () => {
        await ctx.audit.flush();
        return ok(await ctx.audit.verify(ctx.store));
      },
    );

    app.post(
      "/v1/audit/snapshots",
      {
        config: admin,
        schema: {
          tags: ["audit"],
          summary: "Start a job that writes new entries to snapshots/audit/ under Object Lock",
          response: responses(Type.Ref("Job"), 202),
        },
      },
      async (request, reply) => {
        await ctx.audit.flush();
        const job = await ctx.jobs.queue.enqueue(
          "audit.snapshot",
          {},
          { createdBy: actorOf(request.principal) },
        );
        await ctx.audit.record({
          actor: actorOf(request.principal),
          action: "audit.snapshot",
          target: `job:${job.id}`,
          outcome: "success",
        });
        return reply.code(202).send(ok(job));
      },
    );
  };
}
