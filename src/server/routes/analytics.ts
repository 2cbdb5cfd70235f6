/**
 * /v1/analytics: a summary of detection events and time series of them, and what the
 * shadow model's comparisons say (analysts and admins).
 */
import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { resolveRange, summary, timeseries } from "../../analytics/aggregates.js";
import { shadowReport } from "../../analytics/shadow/index.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { Summary, SummaryQuery, TimeseriesPoint, TimeseriesQuery } from "../schemas/analytics.js";
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
          summary: "Requests, flagged share, counts by category, route and model, latency, top evidence",
          querystring: SummaryQuery,
          response: responses(Summary),
        },
      },
      async (request) => ok(await summary(ctx.app.db, resolveRange(request.query))),
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
