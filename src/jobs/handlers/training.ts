/**
 * `training.run`: a training run on catalogue datasets, registered as a new model version
 * and optionally moved to a stage. Datasets are resolved through the catalogue to ids
 * first, so no reference can name a file on the machine that runs the job.
 */
import { Type, type Static } from "@sinclair/typebox";
import { parseWith } from "../../core/schema.js";
import { loadRulesFile } from "../../detect/rules.js";
import { trainRun } from "../../learn/training-run.js";
import { MODEL_NAME_PATTERN, VERSION_PATTERN } from "../../registry/versions.js";
import { phaseSpans } from "../../train/phases.js";
import { DEFAULT_PARAMS, parseTrainParams, TrainParamsOverridesSchema } from "../../train/params.js";
import { withWorkspace, type JobServices } from "../services.js";
import { threadTrainer } from "../train-thread.js";
import type { JobType } from "../types.js";

/** Catalogue references only: `bundled`, an id, `name`, `name@3`, `name@v3`, `name@latest`. */
export const DATASET_REF_PATTERN =
  "^(bundled|ds_[a-z0-9]+|[A-Za-z0-9][A-Za-z0-9._-]{0,127}(@(v?\\d{1,9}|latest))?)$";

export const TrainingPayload = Type.Object(
  {
    datasets: Type.Optional(
      Type.Array(Type.String({ pattern: DATASET_REF_PATTERN, maxLength: 200 }), {
        maxItems: 50,
        description: 'Catalogue references: "bundled", ds_..., name, name@version (default: ["bundled"])',
      }),
    ),
    name: Type.Optional(
      Type.String({ pattern: MODEL_NAME_PATTERN, description: "Model name (default: the served model)" }),
    ),
    version: Type.Optional(Type.String({ pattern: VERSION_PATTERN })),
    bump: Type.Optional(Type.Union([Type.Literal("major"), Type.Literal("minor"), Type.Literal("patch")])),
    params: Type.Optional(TrainParamsOverridesSchema),
    stage: Type.Optional(
      Type.Union([Type.Literal("none"), Type.Literal("staging"), Type.Literal("production")], {
        description: "production needs an admin",
      }),
    ),
    description: Type.Optional(Type.String({ maxLength: 500, pattern: "^[^\\u0000-\\u001f]*$" })),
    allowPersonalData: Type.Optional(
      Type.Boolean({
        description: 'Train on datasets whose manifest says personal data is "present" (refused otherwise)',
      }),
    ),
  },
  { additionalProperties: false },
);
type Payload = Static<typeof TrainingPayload> & { name: string };

export function trainingJob(services: JobServices): JobType {
  return {
    validate(payload) {
      const p = parseWith(TrainingPayload, payload ?? {});
      // The rules between parameters (a stride no longer than the window) too, before queueing.
      if (p.params) parseTrainParams(p.params);
      const { stage, ...rest } = p;
      return {
        ...rest,
        datasets: p.datasets ?? [],
        name: p.name ?? services.defaultModel,
        ...(stage && stage !== "none" ? { stage } : {}),
      };
    },
    async run(ctx) {
      const p = ctx.payload as Payload;
      return withWorkspace(services, ctx.job.createdBy, async (w) => {
        const refs = [];
        for (const d of p.datasets?.length ? p.datasets : ["bundled"])
          refs.push(d === "bundled" ? d : (await w.catalog.resolve(d)).id);
        ctx.log(`training ${p.name} on ${refs.join(", ")}`);
        let phase = "";
        const spans = phaseSpans(p.params?.thresholdFolds ?? DEFAULT_PARAMS.thresholdFolds ?? 0);
        const trained = await trainRun(w, {
          data: refs,
          name: p.name,
          ...(p.version ? { version: p.version } : {}),
          ...(p.bump ? { bump: p.bump } : {}),
          ...(p.params ? { params: p.params } : {}),
          rules: loadRulesFile(),
          ...(p.stage && p.stage !== "none" ? { stage: p.stage } : {}),
          ...(p.description ? { description: p.description } : {}),
          allowPersonalData: p.allowPersonalData === true,
          onWarning: (message) => ctx.log(message, "warn"),
          // Off the event loop: a server running jobs in-process keeps answering meanwhile,
          // and cancelling or timing out the job terminates the thread.
          trainer: threadTrainer(ctx.signal),
          onProgress: (x) => {
            if (ctx.signal.aborted) throw new Error("cancelled");
            const [from, to] = spans[x.phase];
            const label = x.epoch ? `${x.phase} (epoch ${x.epoch})` : x.phase;
            if (label !== phase) {
              phase = label;
              ctx.log(label);
            }
            ctx.progress(from + (to - from) * (x.total ? x.done / x.total : 0), label);
          },
        });
        const v = trained.version;
        ctx.log(`registered ${v.ref} (${v.stage}), sha256 ${v.sha256}, run ${trained.run.id}`);
        if (v.stage === "production") services.onModelChanged?.();
        return {
          run: trained.run.id,
          model: v.ref,
          stage: v.stage,
          sha256: v.sha256,
          skippedRows: trained.skippedRows,
          validation: (trained.run.metrics as { validation?: unknown } | null)?.validation ?? null,
          ...(trained.stageChange?.snapshotError ? { snapshotError: trained.stageChange.snapshotError } : {}),
        };
      });
    },
  };
}
