/**
 * /v1/feedback: users' reports that a verdict was wrong. Any caller files reports and
 * sees its own; analysts and admins see all and review them. A report another client
 * filed answers 404, as one that does not exist, so ids say nothing to other clients.
 * A report may name the end user it is about (`subject`, or the X-Bulwark-Subject header),
 * which is kept only as a keyed hash; its text is redacted before it is kept.
 */
import { type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { IncomingHttpHeaders } from "node:http";
import { ValidationError } from "../../core/errors.js";
import { feedbackFiledAuditEntry, feedbackReviewAuditEntry } from "../../feedback/audit.js";
import {
  feedbackInputSchema,
  maxFeedbackChars,
  ReviewInputSchema,
  type FeedbackInputBody,
  type ReviewInputBody,
} from "../../feedback/schema.js";
import { DEFAULT_LIST_LIMIT, FeedbackStore, withoutText } from "../../feedback/store.js";
import type { FeedbackViewer, Reporter } from "../../feedback/types.js";
import { actorOf, allows, type Principal } from "../auth/roles.js";
import type { ServerContext } from "../context.js";
import { Envelope, ok, responses } from "../replies.js";
import { FeedbackList, FeedbackQuery, FeedbackReport, FeedbackSummary } from "../schemas/feedback.js";
import { IdParams } from "../schemas/service.js";

const SUBJECT_HEADER = "x-bulwark-subject";

function reporterOf(p: Principal | undefined): Reporter {
  // Every /v1/feedback route needs a credential: the guard has set the principal.
  return { id: p!.id, name: actorOf(p) };
}

function viewerOf(p: Principal | undefined): FeedbackViewer {
  return p && allows(p.role, "read") ? { all: true } : { all: false, reporter: p!.id };
}

/** The body's subject, or the X-Bulwark-Subject header's; both, if they differ, are refused. */
function withSubjectHeader(body: FeedbackInputBody, headers: IncomingHttpHeaders): FeedbackInputBody {
  const header = headers[SUBJECT_HEADER];
  if (header === undefined) return body;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === "") return body;
  if (body.subject !== undefined && body.subject !== value)
    throw new ValidationError(`the body's subject and the ${SUBJECT_HEADER} header differ: give one`);
  return { ...body, subject: value };
}

export function feedbackRoutes(ctx: ServerContext): FastifyPluginAsync {
  const { maxTextChars, bodyLimitBytes } = ctx.config.server;
  const store = new FeedbackStore(ctx.app.db, { maxTextChars, privacy: ctx.app.privacy });
  const FeedbackBody = feedbackInputSchema(maxTextChars);
  // Up to 6 bytes a character once JSON-escaped, and room for the other fields.
  const bodyLimit = Math.min(bodyLimitBytes, maxFeedbackChars(maxTextChars) * 6 + 16_384);

  return async (app) => {
    app.post<{ Body: FeedbackInputBody }>(
      "/v1/feedback",
      {
        bodyLimit,
        config: { access: "detect" },
        schema: {
          tags: ["feedback"],
          summary:
            "Report a wrong verdict, with the text (not kept by detection); 201 when new, 200 with the earlier report when this caller already reported this text with this label",
          body: FeedbackBody,
          response: { ...responses(FeedbackSummary, 201), 200: Envelope(FeedbackSummary) },
        },
      },
      async (request, reply) => {
        const filed = await store.file(
          withSubjectHeader(request.body, request.headers),
          reporterOf(request.principal),
        );
        if (filed.created) {
          await ctx.audit.record(feedbackFiledAuditEntry(actorOf(request.principal), filed));
          ctx.metrics.feedback.inc({ label: String(filed.report.label), status: "pending" });
        }
        return reply.code(filed.created ? 201 : 200).send(ok(withoutText(filed.report)));
      },
    );

    app.get<{ Querystring: Static<typeof FeedbackQuery> }>(
      "/v1/feedback",
      {
        config: { access: "detect" },
        schema: {
          tags: ["feedback"],
          summary:
            "List reports, oldest first, without their texts: a client's own; all for analysts and admins",
          querystring: FeedbackQuery,
          response: responses(FeedbackList),
        },
      },
      async (request) => {
        const q = request.query;
        const limit = q.limit ?? DEFAULT_LIST_LIMIT;
        const reports = await store.list(viewerOf(request.principal), {
          status: q.status,
          label: q.label === undefined ? undefined : q.label === 1 ? 1 : 0,
          after: q.after,
          limit,
        });
        return ok({ reports, next: reports.length === limit ? reports.at(-1)!.id : null });
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      "/v1/feedback/:id",
      {
        config: { access: "detect" },
        schema: {
          tags: ["feedback"],
          summary: "One report with its text (a client sees only its own)",
          params: IdParams,
          response: responses(FeedbackReport),
        },
      },
      async (request) => ok(await store.get(request.params.id, viewerOf(request.principal))),
    );

    app.post<{ Params: Static<typeof IdParams>; Body: ReviewInputBody }>(
      "/v1/feedback/:id/review",
      {
        config: { access: "operate" },
        schema: {
          tags: ["feedback"],
          summary:
            "Accept or reject a report (again, until a learning cycle used it); accepted reports join the next cycle's data",
          params: IdParams,
          body: ReviewInputSchema,
          response: responses(FeedbackSummary),
        },
      },
      async (request) => {
        const actor = actorOf(request.principal);
        const reviewed = await store.review(request.params.id, request.body, actor);
        await ctx.audit.record(feedbackReviewAuditEntry(actor, reviewed));
        ctx.metrics.feedback.inc({ label: String(reviewed.report.label), status: reviewed.report.status });
        return ok(withoutText(reviewed.report));
      },
    );
  };
}
