/** GET /v1/analytics/drift: the production model's live traffic against its validation data (analysts and admins). */
import type { Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { resolveRange } from "../../analytics/aggregates.js";
import type { ServerContext } from "../context.js";
import { reportDrift } from "../metrics/drift.js";
import { ok, responses } from "../replies.js";
import { DriftQuery, DriftReport } from "../schemas/drift.js";

export function driftRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: Static<typeof DriftQuery> }>(
      "/v1/analytics/drift",
      {
        config: { access: "read" as const },
        schema: {
          tags: ["analytics"],
          summary:
            "Population stability index per feature (score, length, language, obfuscation, flagged) of the production model's events against its validation data",
          querystring: DriftQuery,
          response: responses(DriftReport),
        },
      },
      async (request) =>
        ok(await reportDrift(ctx.app, resolveRange(request.query), request.principal?.id ?? "anonymous")),
    );
  };
}
