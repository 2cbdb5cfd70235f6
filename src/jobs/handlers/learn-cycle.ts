/**
 * `learn.cycle`: one learning cycle (learn/cycle.ts) against the production model, with
 * the challenger trained in a thread of its own so a server running jobs in-process keeps
 * answering. Admin only (job-access.ts): its challenger may go to production. A scheduled
 * cycle carries its cron tick; of the servers that all enqueue that tick, the first to
 * start it runs it and the others end at once, skipped.
 */
import { Type, type Static } from "@sinclair/typebox";
import { parseWith } from "../../core/schema.js";
import { loadRulesFile } from "../../detect/rules.js";
import { overallProgress, runCycle } from "../../learn/cycle.js";
import { TickTakenError } from "../../learn/cycles.js";
import { DEFAULT_RULE, PromotionRuleSchema } from "../../learn/rule.js";
import { summariseCycle } from "../../learn/summary.js";
import { CAMPAIGN_ROWS } from "../../learn/types.js";
import { caseStream } from "../../redteam/cases.js";
import { MODEL_NAME_PATTERN } from "../../registry/versions.js";
import { withWorkspace, type JobServices } from "../services.js";
import { threadTrainer } from "../train-thread.js";
import type { JobType } from "../types.js";
import { JOB_MAX_CASES } from "./redteam.js";
import { DATASET_REF_PATTERN } from "./training.js";

const Ids = (description: string) =>
  Type.Array(Type.String({ pattern: "^[a-z0-9_]{1,40}$" }), { maxItems: 50, description });

/** What a caller asks of a cycle (POST /v1/learn/cycles). */
export const LearnCycleRequest = Type.Object(
  {
    cases: Type.Optional(
      Type.Integer({ minimum: 10, maximum: JOB_MAX_CASES, description: "Red-team cases (default 1000)" }),
    ),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2 ** 31 - 1,
        description: "Campaign seed (default: random, recorded)",
      }),
    ),
    generators: Type.Optional(Ids("Only these red-team generators")),
    mutators: Type.Optional(Ids("Only these red-team mutators")),
    model: Type.Optional(
      Type.String({ pattern: MODEL_NAME_PATTERN, description: "Model name (default: the served model)" }),
    ),
    campaignRows: Type.Optional(
      Type.Union(
        CAMPAIGN_ROWS.map((r) => Type.Literal(r)),
        {
          description:
            'Campaign cases the challenger learns from: "failures" (missed attacks, flagged hard negatives), "failures+negatives" (the default: and every hard negative) or "all"',
        },
      ),
    ),
    datasets: Type.Optional(
      Type.Array(Type.String({ pattern: DATASET_REF_PATTERN, maxLength: 200 }), {
        maxItems: 50,
        description: "Build on these catalogue datasets instead of the champion's own training data",
      }),
    ),
    allowPersonalData: Type.Optional(
      Type.Boolean({
        description:
          'Build on datasets whose manifest says personal data is "present" (the champion\'s own data needs no permission)',
      }),
    ),
    leaveOneSourceOut: Type.Optional(
      Type.Array(Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$" }), {
        maxItems: 50,
        description:
          "Sources of the champion's data to hold out one at a time (two trainings each; suites loso-{source})",
      }),
    ),
    rule: Type.Optional(
      Type.Partial(PromotionRuleSchema, {
        description: `The promotion rule, over the default (${JSON.stringify(DEFAULT_RULE)})`,
      }),
    ),
  },
  { additionalProperties: false },
);

/** The job's payload: the request, and the cron tick when the schedule queued it. */
export const LearnCyclePayload = Type.Object(
  {
    ...LearnCycleRequest.properties,
    scheduledFor: Type.Optional(
      Type.String({
        pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3})?Z$",
        description: "UTC ISO time",
      }),
    ),
  },
  { additionalProperties: false },
);
type Payload = Static<typeof LearnCyclePayload> & { model: string };

export function learnCycleJob(services: JobServices): JobType {
  return {
    validate(payload) {
      const p = parseWith(LearnCyclePayload, payload ?? {});
      // Unknown generators and mutators are refused before queueing, as for a campaign.
      caseStream({ seed: p.seed ?? 1, cases: p.cases ?? 1000, ...p });
      return { ...p, model: p.model ?? services.defaultModel };
    },
    async run(ctx) {
      const p = ctx.payload as Payload;
      return withWorkspace(services, ctx.job.createdBy, async (w) => {
        let phase = "";
        const extra = await services.learningExtras?.();
        try {
          const r = await runCycle(
            { ...w, store: services.store },
            {
              model: p.model,
              ...(p.cases !== undefined ? { cases: p.cases } : {}),
              ...(p.seed !== undefined ? { seed: p.seed } : {}),
              ...(p.generators ? { generators: p.generators } : {}),
              ...(p.mutators ? { mutators: p.mutators } : {}),
              ...(p.datasets?.length ? { data: p.datasets } : {}),
              allowPersonalData: p.allowPersonalData === true,
              ...(p.campaignRows ? { campaignRows: p.campaignRows } : {}),
              ...(p.leaveOneSourceOut?.length ? { leaveOneSourceOut: p.leaveOneSourceOut } : {}),
              rule: { ...DEFAULT_RULE, ...p.rule },
              ...(extra ? { extraSamples: extra } : {}),
              rules: loadRulesFile(),
              trainer: threadTrainer(ctx.signal),
              signal: ctx.signal,
              jobId: ctx.job.id,
              trigger: p.scheduledFor ? "schedule" : "job",
              ...(p.scheduledFor ? { scheduledFor: p.scheduledFor } : {}),
              onProgress: (x) => {
                if (x.phase !== phase) {
                  phase = x.phase;
                  ctx.log(x.message);
                }
                ctx.progress(overallProgress(x), x.message);
              },
            },
          );
          const s = summariseCycle(r.cycle);
          ctx.log(`${s.decision} ${s.challenger} against ${s.champion}: ${s.reason}`);
          if (s.decision === "promoted") services.onModelChanged?.();
          return {
            ...s,
            ...(r.stageChange.snapshotError ? { snapshotError: r.stageChange.snapshotError } : {}),
          };
        } catch (err) {
          if (err instanceof TickTakenError) {
            ctx.log(`skipped: ${err.message}`);
            return { skipped: true, scheduledFor: p.scheduledFor };
          }
          throw err;
        }
      });
    },
  };
}
