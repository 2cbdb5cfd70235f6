/**
 * /v1/redteam: start a campaign (a job), list campaigns, read one's summary and report, and
 * see which generators and mutators exist. Campaigns live in the object store, so every
 * replica answers the same.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { RedTeamPayload } from "../../jobs/handlers/redteam.js";
import { generators } from "../../redteam/generators.js";
import { MUTATORS } from "../../redteam/mutators.js";
import { reportMarkdown } from "../../redteam/report.js";
import { listCampaigns, readReport } from "../../redteam/store.js";
import type { CampaignReport as Report } from "../../redteam/types.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { CampaignReport, CampaignSummary, RedTeamCatalogue } from "../schemas/redteam.js";
import { enqueueAudited } from "./enqueue.js";

const Id = Type.Object({ id: Type.String({ pattern: "^rt-[0-9A-Za-z-]{1,60}$" }) });
const ListQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) },
  { additionalProperties: false },
);
const ReportQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("md")])) },
  { additionalProperties: false },
);

export function redTeamRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: Static<typeof RedTeamPayload> }>(
      "/v1/redteam/campaigns",
      {
        config: { access: "operate" },
        schema: {
          tags: ["redteam"],
          summary:
            "Start a red-team campaign against a registry version (a job; its result names the campaign)",
          body: RedTeamPayload,
          response: responses(Type.Ref("Job"), 202),
        },
      },
      async (request, reply) => {
        const job = await enqueueAudited(ctx, request.principal, "redteam.campaign", request.body, {
          model: request.body.model ?? "production",
          cases: request.body.cases ?? 1000,
        });
        return reply.code(202).send(ok(job));
      },
    );

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      "/v1/redteam/campaigns",
      {
        config: { access: "read" },
        schema: {
          tags: ["redteam"],
          summary: "Campaigns, newest first",
          querystring: ListQuery,
          response: responses(Type.Array(CampaignSummary)),
        },
      },
      async (request) => {
        const ids = await listCampaigns(ctx.store, request.query.limit ?? 50);
        return ok(await Promise.all(ids.map((id) => readReport(ctx.store, id))));
      },
    );

    app.get<{ Params: Static<typeof Id> }>(
      "/v1/redteam/campaigns/:id",
      {
        config: { access: "read" },
        schema: {
          tags: ["redteam"],
          summary: "One campaign's summary",
          params: Id,
          response: responses(CampaignSummary),
        },
      },
      async (request) => ok(await readReport(ctx.store, request.params.id)),
    );

    app.get<{ Params: Static<typeof Id>; Querystring: Static<typeof ReportQuery> }>(
      "/v1/redteam/campaigns/:id/report",
      {
        config: { access: "read" },
        schema: {
          tags: ["redteam"],
          summary: "One campaign's report: by generator, by mutator, the worst combinations with examples",
          params: Id,
          querystring: ReportQuery,
          response: responses(CampaignReport),
        },
      },
      async (request, reply) => {
        const report: Report = await readReport(ctx.store, request.params.id);
        if (request.query.format === "md")
          return reply.type("text/markdown; charset=utf-8").send(reportMarkdown(report));
        return ok(report);
      },
    );

    app.get(
      "/v1/redteam/generators",
      {
        config: { access: "read" },
        schema: {
          tags: ["redteam"],
          summary: "The generators and mutators a campaign can use",
          response: responses(RedTeamCatalogue),
        },
      },
      async () =>
        ok({
          generators: generators().map((g) => ({
            id: g.id,
            label: g.label,
            mutable: g.mutable,
            description: g.description,
          })),
          mutators: MUTATORS.map((m) => ({ id: m.id, description: m.description })),
        }),
    );
  };
}
