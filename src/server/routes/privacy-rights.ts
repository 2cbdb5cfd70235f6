/**
 * /v1/privacy: the data subject's rights and retention, all admin-only: erase a subject
 * (answered with the receipt, or queued as a job), the past receipts (read from the audit
 * trail, where each erasure leaves one), a subject's export, and a retention run now. The
 * subject's id is hashed on arrival with the deployment's key; only the hash goes further.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { retentionLimits } from "../../app/settings.js";
import { eraseSubject, exportSubject, runRetention, type ErasureReceipt } from "../../retention/index.js";
import { actorOf } from "../auth/roles.js";
import type { ServerContext } from "../context.js";
import { Envelope, ok, responses } from "../replies.js";
import {
  ErasureReceipt as ErasureReceiptSchema,
  RetentionBody,
  RetentionReport,
  SubjectBody,
  SubjectExport,
  SubjectParams,
} from "../schemas/privacy-rights.js";
import { enqueueAudited } from "./enqueue.js";

const ReceiptsQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) },
  { additionalProperties: false },
);

export function privacyRightsRoutes(ctx: ServerContext): FastifyPluginAsync {
  const deps = { db: ctx.app.db, store: ctx.store, audit: ctx.audit };
  const admin = { access: "admin" as const };
  return async (app) => {
    app.post<{ Body: Static<typeof SubjectBody> }>(
      "/v1/privacy/erasures",
      {
        config: admin,
        schema: {
          tags: ["privacy"],
          summary:
            "Erase everything held about a data subject (events, reports, rows derived from them); answers the receipt, or 202 with a job when async",
          body: SubjectBody,
          response: { ...responses(ErasureReceiptSchema), 202: Envelope(Type.Ref("Job")) },
        },
      },
      async (request, reply) => {
        const subject = ctx.app.privacy.subject(request.body.subject);
        if (request.body.async) {
          const job = await enqueueAudited(ctx, request.principal, "privacy.erasure", { subject });
          return reply.code(202).send(ok(job));
        }
        return ok(await eraseSubject(deps, subject, actorOf(request.principal)));
      },
    );

    app.get<{ Querystring: Static<typeof ReceiptsQuery> }>(
      "/v1/privacy/erasures",
      {
        config: admin,
        schema: {
          tags: ["privacy"],
          summary: "Erasure receipts, newest first, as the audit trail holds them",
          querystring: ReceiptsQuery,
          response: responses(Type.Array(ErasureReceiptSchema)),
        },
      },
      async (request) => {
        await ctx.audit.flush();
        const entries = await ctx.audit.list({
          action: "privacy.erasure",
          order: "desc",
          limit: request.query.limit ?? 100,
        });
        return ok(entries.map((e) => e.details as unknown as ErasureReceipt));
      },
    );

    app.get<{ Params: Static<typeof SubjectParams> }>(
      "/v1/privacy/subjects/:id/export",
      {
        config: admin,
        schema: {
          tags: ["privacy"],
          summary: "Everything held about a data subject, as JSON (the right of access)",
          params: SubjectParams,
          response: responses(SubjectExport),
        },
      },
      async (request) => {
        const subject = ctx.app.privacy.subject(request.params.id);
        const data = await exportSubject(deps, subject);
        await ctx.audit.record({
          actor: actorOf(request.principal),
          action: "privacy.export",
          target: `subject:${subject}`,
          outcome: "success",
          details: {
            events: data.events.length,
            feedback: data.feedback.length,
            derived: data.derived.length,
          },
        });
        return ok(data);
      },
    );

    app.post<{ Body: Static<typeof RetentionBody> }>(
      "/v1/privacy/retention",
      {
        config: admin,
        schema: {
          tags: ["privacy"],
          summary:
            "Delete what is past its retention now (dryRun: only count it); Object Lock's versions are kept and counted",
          body: RetentionBody,
          response: responses(RetentionReport),
        },
      },
      async (request) =>
        ok(
          await runRetention(deps, retentionLimits(ctx.settings), {
            dryRun: request.body.dryRun ?? false,
            actor: actorOf(request.principal),
          }),
        ),
    );
  };
}
