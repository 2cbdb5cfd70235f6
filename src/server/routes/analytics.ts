/** /v1/analytics: a summary of detection events and time series of them (analysts and admins). */
import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { resolveRange, summary, timeseries } from "../../analytics/aggregates.js";
import { businessMetrics, screenedCounts } from "../../analytics/business.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import {
  BusinessMetrics,
  BusinessQuery,
  Summary,
  SummaryQuery,
  TimeseriesPoint,
  TimeseriesQuery,
} from "../schemas/analytics.js";

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
        return ok(await businessMetrics(ctx.app.db, range, await screenedCounts(ctx.app.db, range)));
      },
    );
  };
}
