/**
 * `redteam.campaign`: a campaign against a registry version (the production model by
 * default), its files and report written to the store. Only models in the registry can be
 * attacked from a job: a job never reaches out to a URL a caller named.
 */
import { Type, type Static } from "@sinclair/typebox";
import { parseWith } from "../../core/schema.js";
import { detectorTarget } from "../../redteam/campaign.js";
import { caseStream } from "../../redteam/cases.js";
import { redTeamCampaign } from "../../redteam/run.js";
import { checkCampaignSeed } from "../../redteam/suites.js";
import { withWorkspace, type JobServices } from "../services.js";
import type { JobType } from "../types.js";

/** Enough for any report's figures; a larger campaign belongs on the command line. */
export const JOB_MAX_CASES = 20_000;

const Ids = Type.Array(Type.String({ pattern: "^[a-z0-9_]{1,40}$" }), { minItems: 1, maxItems: 50 });

export const RedTeamPayload = Type.Object(
  {
    model: Type.Optional(
      Type.String({ maxLength: 200, description: "name@version (default: the production model)" }),
    ),
    cases: Type.Optional(Type.Integer({ minimum: 1, maximum: JOB_MAX_CASES, description: "default 1000" })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff, description: "default 1" })),
    generators: Type.Optional(Ids),
    mutators: Type.Optional(Type.Array(Type.String({ pattern: "^[a-z0-9_]{1,40}$" }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);
type Payload = Static<typeof RedTeamPayload> & { cases: number; seed: number };

export function redTeamJob(services: JobServices): JobType {
  return {
    validate(payload) {
      const p = parseWith(RedTeamPayload, payload ?? {});
      const request = { ...p, cases: p.cases ?? 1000, seed: p.seed ?? 1 };
      // Unknown generators and mutators, and the reserved seed, are refused before queueing.
      checkCampaignSeed(request.seed);
      caseStream(request);
      return request;
    },
    async run(ctx) {
      const p = ctx.payload as Payload;
      return withWorkspace(services, ctx.job.createdBy, async (w) => {
        const ref = p.model ?? (await w.registry.production(services.defaultModel))?.ref;
        if (!ref)
          throw new Error(`no version of ${services.defaultModel} is in production: name one with model`);
        const m = await w.registry.detector(ref);
        ctx.log(`campaign of ${p.cases} cases (seed ${p.seed}) against ${m.version.ref}`);
        const { report } = await redTeamCampaign(services.store, detectorTarget(m.detector, m.version.ref), {
          ...p,
          signal: ctx.signal,
          onProgress: (done, total) => ctx.progress(done / total, `${done} of ${total} cases`),
        });
        ctx.log(
          `detection rate ${report.detectionRate.toFixed(3)}, over-defence ${report.overDefence.toFixed(3)}; report ${report.files.at(-1)}`,
        );
        return {
          campaign: report.campaign,
          model: report.model,
          cases: report.cases,
          detectionRate: report.detectionRate,
          overDefence: report.overDefence,
          files: report.files,
        };
      });
    },
  };
}
