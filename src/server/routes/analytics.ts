/**
 * /v1/analytics: a summary of detection events with the business figures, time series of
 * them, the security report with its charts, and what the shadow model's comparisons say
 * (analysts and admins).
 */
import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { resolveRange, summary, timeseries } from "../../analytics/aggregates.js";
import { businessMetrics, summaryWithBusiness } from "../../analytics/business.js";
import {
  gatherReport,
  renderReport,
  REPORT_CONTENT_TYPES,
  REPORT_CSP,
  reportRange,
} from "../../analytics/report/index.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import {
  BusinessMetrics,
  BusinessQuery,
  ReportQuery,
  SummaryQuery,
  SummaryWithBusiness,
  TimeseriesPoint,
  TimeseriesQuery,
} from "../schemas/analytics.js";
import { fileResponses } from "../schemas/shape.js";
import { shadowReport } from "../../analytics/shadow/index.js";
import { ShadowQuery, ShadowReport } from "../schemas/shadow.js";

export function analyticsRoutes(ctx: ServerContext): FastifyPluginAsync {
  const read = { access: "read" as const };
  return async (app) => {
    app.get<{ Querystring: Static<typeof SummaryQuery> }>(
      "/v1/analytics/summary",
      {
        config: read,
        schema: {
          tags: ["analytics"],
          summary:
            "Requests, flagged share, counts by category, route, model and key, latency, top evidence and " +
            "techniques, and the business figures (attack, block and false-positive rates, miss to fix)",
          querystring: SummaryQuery,
          response: responses(SummaryWithBusiness),
        },
      },
      async (request) => ok(await summaryWithBusiness(ctx.app.db, resolveRange(request.query))),
    );

    app.get<{ Querystring: Static<typeof TimeseriesQuery> }>(
      "/v1/analytics/timeseries",
      {
        config: read,
        schema: {
          tags: ["analytics"],
          summary:
            "One metric per hour, day or week (buckets without events are left out), optionally by group",
          querystring: TimeseriesQuery,
          response: responses(Type.Array(TimeseriesPoint)),
        },
      },
      async (request) => {
        const { metric, bucket, by } = request.query;
        return ok(await timeseries(ctx.app.db, { metric, bucket, by, ...resolveRange(request.query) }));
      },
    );

    app.get<{ Querystring: Static<typeof ReportQuery> }>(
      "/v1/analytics/report",
      {
        config: read,
        schema: {
          tags: ["analytics"],
          summary:
            "The security report of a range (default: the last 7 days) with its charts, as Markdown or one HTML page",
          querystring: ReportQuery,
          response: fileResponses(
            "The report: Markdown with its charts as data: URIs, or HTML with its charts inline as SVG",
            Object.values(REPORT_CONTENT_TYPES).map((t) => t.split(";")[0]!),
          ),
        },
      },
      async (request, reply) => {
        const { format } = request.query;
        const data = await gatherReport(ctx.app.db, reportRange(request.query));
        const { content } = renderReport(data, format);
        // The API's policy allows nothing; the page needs its <style> and nothing more.
        if (format === "html") reply.header("content-security-policy", REPORT_CSP);
        return reply.type(REPORT_CONTENT_TYPES[format]).send(content);
      },
    );

    app.get<{ Querystring: Static<typeof BusinessQuery> }>(
      "/v1/analytics/business",
      {
        config: read,
        schema: {
          tags: ["analytics"],
          summary:
            "Attack and block rates, the false-positive rate from users' reports, time from a reported miss to its fix",
          querystring: BusinessQuery,
          response: responses(BusinessMetrics),
        },
      },
      async (request) => {
        const range = resolveRange(request.query);
        return ok(await businessMetrics(ctx.app.db, await summary(ctx.app.db, range)));
      },
    );

    app.get<{ Querystring: Static<typeof ShadowQuery> }>(
      "/v1/analytics/shadow",
      {
        config: read,
        schema: {
          tags: ["analytics", "shadow"],
          summary:
            "Shadow comparisons: agreement, flagged share of each model, disagreements by direction and category, examples, users' reports",
          querystring: ShadowQuery,
          response: responses(ShadowReport),
        },
      },
      async (request) => ok(await shadowReport(ctx.app.db, resolveRange(request.query))),
    );
  };
}
