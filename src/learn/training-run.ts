/**
 * A recorded training run of the built-in family: datasets in, a registered model version
 * out, and a run row that ties them together (parameters, dataset ids and hashes,
 * validation metrics, duration, environment, artifact). Used by `bulwark train`, training
 * jobs, and first start (which records the model shipped in the package the same way).
 */
import { performance } from "node:perf_hooks";
import { DEFAULT_MODEL_NAME } from "../core/config.js";
import { describeError } from "../core/errors.js";
import type { DatasetCatalog } from "../data/datasets.js";
import type { DatasetLineage } from "../data/dataset-record.js";
import { PersonalDataRefusedError } from "../data/errors.js";
import { allSamples, resolveInputs, type DataInput } from "../data/inputs.js";
import { trainingPrivacy } from "../data/privacy.js";
import type { InvalidRow } from "../data/problems.js";
import type { Sample } from "../data/sample.js";
import { profileTexts, REFERENCE_METRIC, validationRows } from "../analytics/drift/reference.js";
import { BuiltinDetector } from "../detect/builtin.js";
import { BuiltinModel, MODEL_FORMAT } from "../detect/model.js";
import type { RulesDocument } from "../detect/rules.js";
import type { ModelRegistry, ModelVersion, Stage, StageChange } from "../registry/registry.js";
import type { Bump } from "../registry/versions.js";
import {
  resolveParams,
  trainBuiltin,
  type TrainOptions,
  type TrainParams,
  type TrainProgress,
  type TrainResult,
} from "../train/builtin-trainer.js";
import type { TrainParamsOverrides } from "../train/params.js";
import type { RunRecord, RunStore } from "../train/runs.js";
import { isStream, type SampleSource } from "../train/sources.js";
import { inValidation } from "../train/streaming.js";

/** Up to this much stored data, rows are loaded into memory (faster epochs); beyond, streamed. */
export const IN_MEMORY_BYTES = 64 * 1024 * 1024;

/** The catalogues a training run reads datasets from and records its run and model version in. */
export interface TrainingCatalogs {
  catalog: DatasetCatalog;
  registry: ModelRegistry;
  runs: RunStore;
}

export interface TrainRunOptions {
  /** Dataset refs, files or folders; empty means the bundled corpus. */
  data?: string[];
  /** Inputs resolved already (a learning cycle's combined data); `data` is then ignored. */
  inputs?: DataInput[];
  name?: string;
  version?: string;
  bump?: Bump;
  params?: TrainParamsOverrides;
  rules: RulesDocument;
  skipInvalid?: boolean;
  onInvalid?: (problem: InvalidRow) => void;
  onProgress?: (p: TrainProgress) => void;
  /** Move the new version to this stage once registered. */
  stage?: Stage;
  /** With stage production: only when no version is in production yet (first start). */
  ifNoProduction?: boolean;
  description?: string;
  /** What trains: `trainBuiltin` here by default; a job runs it in a thread of its own. */
  trainer?: (source: SampleSource, options: TrainOptions) => Promise<TrainResult>;
  /** Train on datasets whose manifest says personal data is present (refused otherwise). */
  allowPersonalData?: boolean;
  /** Told what deserves a look but does not stop the run (datasets of unknown privacy). */
  onWarning?: (message: string) => void;
}

export interface TrainRunResult {
  run: RunRecord;
  version: ModelVersion;
  result: TrainResult;
  datasets: DatasetLineage[];
  skippedRows: number;
  stageChange?: StageChange;
}

/**
 * The single place where datasets become the trainer's input. Small inputs are loaded
 * into an array (the trainer then computes window features once for all epochs); larger
 * ones are handed over as a stream the trainer reads once per epoch, in bounded memory.
 */
export async function trainingSource(inputs: readonly DataInput[]): Promise<SampleSource> {
  const bytes = inputs.reduce((n, i) => n + i.bytes, 0);
  if (bytes > IN_MEMORY_BYTES) return { samples: () => allSamples(inputs) };
  const rows: Sample[] = [];
  for await (const s of allSamples(inputs)) rows.push(s);
  return rows;
}

export async function trainRun(ws: TrainingCatalogs, options: TrainRunOptions): Promise<TrainRunResult> {
  const name = options.name ?? DEFAULT_MODEL_NAME;
  const inputs =
    options.inputs ??
    (await resolveInputs(ws.catalog, options.data?.length ? options.data : ["bundled"], {
      skipInvalid: options.skipInvalid,
      onInvalid: options.onInvalid,
    }));
  checkPrivacy(inputs, options);
  const params = resolveParams(options.params);
  const datasets = inputs.map((i) => i.lineage);
  let source: SampleSource | undefined;
  return recordRun(
    ws,
    {
      ...options,
      name,
      params,
      datasets,
      skippedRows: inputs.reduce((n, i) => n + i.invalid, 0),
      reference: (result) => driftReference(source!, params, result, options.onWarning),
    },
    async ({ version, runId, parentVersion }) =>
      (options.trainer ?? trainBuiltin)((source = await trainingSource(inputs)), {
        name,
        version,
        rules: options.rules,
        params,
        onProgress: options.onProgress,
        lineage: { runId, datasets, parentVersion },
      }),
  );
}

/**
 * The trained model's profile of its own validation rows (the in-memory trainer's split, or
 * the streaming trainer's membership test), for drift. A failure costs the run nothing but
 * the reference: drift then computes one on demand or says there is none.
 */
async function driftReference(
  source: SampleSource,
  params: TrainParams,
  result: TrainResult,
  onWarning: ((message: string) => void) | undefined,
): Promise<unknown> {
  try {
    let texts: string[];
    if (isStream(source)) {
      texts = [];
      for await (const s of source.samples()) if (inValidation(s, params)) texts.push(s.text);
    } else texts = validationRows(source, params).map((s) => s.text);
    const model =
      result.model instanceof BuiltinModel ? result.model : BuiltinModel.deserialize(result.artifact);
    return await profileTexts(new BuiltinDetector(model), texts);
  } catch (err) {
    onWarning?.(`no drift reference recorded: ${describeError(err)}`);
    return undefined;
  }
}

/**
 * Refuses, before anything is reserved or read, inputs whose manifest says personal data
 * is present, unless the caller allowed it for this run; warns about undeclared ones.
 */
function checkPrivacy(
  inputs: readonly DataInput[],
  options: Pick<TrainRunOptions, "allowPersonalData" | "onWarning">,
): void {
  const { present, unknown } = trainingPrivacy(inputs);
  if (present.length && !options.allowPersonalData) throw new PersonalDataRefusedError(present);
  if (present.length)
    options.onWarning?.(`training on personal data, as allowed for this run: ${present.join(", ")}`);
  if (unknown.length)
    options.onWarning?.(
      `${unknown.join(", ")}: personal data unknown (not declared on import, or imported before it was recorded); ` +
        "re-import with --personal-data none|present or --redact to say",
    );
}

export interface RecordRunOptions {
  name: string;
  version?: string;
  bump?: Bump;
  params: TrainParams;
  datasets: DatasetLineage[];
  skippedRows: number;
  stage?: Stage;
  ifNoProduction?: boolean;
  description?: string;
  /**
   * The drift reference profile of the trained model on its validation data, recorded in the
   * version's metrics (analytics/drift); undefined leaves it out.
   */
  reference?: (result: TrainResult) => Promise<unknown>;
}

/**
 * The bookkeeping around producing a model: the version reserved first (a version that is
 * taken is a usage error, not a failed run), a run row started, the artifact registered
 * with its lineage and metrics, the run closed, and the stage change asked for. `produce`
 * trains (or hands over a model trained earlier, such as the one shipped in the package).
 */
export async function recordRun(
  ws: TrainingCatalogs,
  options: RecordRunOptions,
  produce: (slot: { version: string; runId: string; parentVersion: string | null }) => Promise<TrainResult>,
): Promise<TrainRunResult> {
  const started = performance.now();
  const { name, params, datasets } = options;
  const reservation = await ws.registry.reserve({
    name,
    format: MODEL_FORMAT,
    ...(options.version ? { version: options.version } : {}),
    ...(options.bump ? { bump: options.bump } : {}),
  });
  let run: RunRecord;
  try {
    run = await ws.runs.start({
      modelName: name,
      family: "builtin",
      params: params as unknown as Record<string, unknown>,
      datasets,
    });
  } catch (err) {
    await ws.registry.abandon(reservation);
    throw err;
  }
  let trained: TrainRunResult;
  try {
    const result = await produce({
      version: reservation.version,
      runId: run.id,
      parentVersion: reservation.parentVersion,
    });
    const metrics = {
      validation: {
        ...result.report.overall,
        threshold: result.report.threshold,
        categoryAccuracy: result.report.categoryAccuracy,
      },
      rows: result.rows,
      ...(options.reference ? { [REFERENCE_METRIC]: await options.reference(result) } : {}),
    };
    const version = await ws.registry.complete(reservation, {
      artifact: result.artifact,
      datasets,
      params: result.params as unknown as Record<string, unknown>,
      metrics,
      runId: run.id,
      ...(options.description ? { description: options.description } : {}),
    });
    const finished = await ws.runs.succeed(run.id, {
      metrics: {
        ...metrics,
        validation: {
          ...metrics.validation,
          bySource: result.report.bySource,
          byCategory: result.report.byCategory,
        },
      },
      durationMs: performance.now() - started,
      artifactSha256: version.sha256,
      modelVersion: version.version,
      datasets,
    });
    trained = { run: finished, version, result, datasets, skippedRows: options.skippedRows };
  } catch (err) {
    await ws.registry.abandon(reservation);
    await ws.runs.fail(run.id, describeError(err), performance.now() - started).catch(() => undefined);
    throw err;
  }
  // The run is over and recorded; a refused promotion does not make it a failed run.
  if (options.stage) {
    const stageChange = await ws.registry.setStage(trained.version, options.stage, {
      reason: `trained by run ${run.id}`,
      ...(options.ifNoProduction ? { ifNoProduction: true } : {}),
    });
    return { ...trained, version: stageChange.version, stageChange };
  }
  return trained;
}
