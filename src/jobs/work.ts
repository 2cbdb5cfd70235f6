/**
 * The handlers of the data and model jobs: dataset imports (from URLs and s3:// sources,
 * never the server's own files) and training runs on catalogue datasets. Each opens the
 * registry context over the process's shared database handle and store, acting as the
 * job's creator, so the audit trail says who asked for the work.
 */
import type { BulwarkConfig } from "../core/config.js";
import type { AuditSink } from "../core/audit.js";
import { ValidationError } from "../core/errors.js";
import { importData, sourceKind } from "../data/import/index.js";
import type { DatabaseHandle } from "../db/open.js";
import { loadRulesFile } from "../detect/rules.js";
import { openRegistryContext, type RegistryContext } from "../registry/context.js";
import { isStage, type Stage } from "../registry/registry.js";
import { validateModelName } from "../registry/versions.js";
import type { ObjectStore } from "../storage/types.js";
import type { TrainPhase } from "../train/builtin-trainer.js";
import { DEFAULT_MODEL_NAME, trainRun } from "../train/train-run.js";
import type { JobContext, JobType } from "./types.js";

export interface WorkDeps {
  config: BulwarkConfig;
  db: DatabaseHandle;
  store: ObjectStore;
  audit: AuditSink;
  /** Told when a job promoted a model to production (the server reloads it at once). */
  onModelChanged?: () => void;
}

function obj(payload: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) {
    throw new ValidationError("the job payload must be an object");
  }
  for (const k of Object.keys(payload))
    if (!allowed.includes(k)) throw new ValidationError(`unknown field "${k}"`);
  return payload as Record<string, unknown>;
}

function optionalString(p: Record<string, unknown>, name: string, pattern: RegExp): string | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !pattern.test(v)) throw new ValidationError(`${name} is not valid`);
  return v;
}

/** A store handed to the importer that the importer may "close" without closing ours. */
function borrowed(store: ObjectStore): ObjectStore {
  return new Proxy(store, {
    get: (target, prop, receiver) =>
      prop === "close" ? async () => undefined : Reflect.get(target, prop, receiver),
  });
}

async function withContext<T>(
  deps: WorkDeps,
  ctx: JobContext,
  fn: (r: RegistryContext) => Promise<T>,
): Promise<T> {
  const r = await openRegistryContext(deps.config, {
    actor: ctx.job.createdBy,
    audit: deps.audit,
    db: deps.db,
    store: deps.store,
  });
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Catalogue references only: `bundled`, an id, `name`, `name@3`, `name@v3`, `name@latest`. */
const DATASET_REF = /^(bundled|ds_[a-z0-9]+|[A-Za-z0-9][A-Za-z0-9._-]{0,127}(@(v?\d{1,9}|latest))?)$/;

export function datasetImportJob(deps: WorkDeps): JobType {
  return {
    validate(payload) {
      const p = obj(payload, ["sources", "name", "skipInvalid"]);
      const sources = p.sources;
      if (!Array.isArray(sources) || sources.length === 0 || sources.length > 100) {
        throw new ValidationError("sources must be a list of 1 to 100 http(s):// or s3:// addresses");
      }
      for (const s of sources) {
        // The service never reads its own machine's files on a caller's behalf.
        if (typeof s !== "string" || s.length > 4096 || sourceKind(s) === "file") {
          throw new ValidationError(
            `source ${JSON.stringify(String(s).slice(0, 100))} must be an http(s):// or s3:// address`,
          );
        }
      }
      const name = optionalString(p, "name", DATASET_NAME);
      if (p.skipInvalid !== undefined && typeof p.skipInvalid !== "boolean")
        throw new ValidationError("skipInvalid must be true or false");
      return { sources, ...(name ? { name } : {}), skipInvalid: p.skipInvalid === true };
    },
    async run(ctx) {
      const p = ctx.payload as { sources: string[]; name?: string; skipInvalid: boolean };
      let invalid = 0;
      return withContext(deps, ctx, async (r) => {
        const result = await importData(r.catalog, p.sources, {
          ...(p.name ? { name: p.name } : {}),
          skipInvalid: p.skipInvalid,
          onInvalid: (problem) => {
            if (invalid++ < 20)
              ctx.log(
                `skipped ${problem.file}:${problem.line}: ${problem.field}: ${problem.message}`,
                "warn",
              );
          },
          s3: deps.config.storage.s3,
          s3Store: (bucket) =>
            (bucket === deps.store.bucket ? borrowed(deps.store) : undefined) as ObjectStore,
          onSource: (location) => {
            ctx.log(`reading ${location}`);
            ctx.progress(0.5, `reading ${location}`);
          },
        });
        const d = result.dataset;
        ctx.log(`created ${d.ref} (${d.rows} rows, ${result.skippedRows} skipped, sha256 ${d.sha256})`);
        return {
          dataset: d.ref,
          id: d.id,
          rows: d.rows,
          skippedRows: result.skippedRows,
          sha256: d.sha256,
          sources: result.sources,
        };
      });
    },
  };
}

const PHASE_SPAN: Record<TrainPhase, [number, number]> = {
  split: [0, 0.05],
  features: [0.05, 0.3],
  train: [0.3, 0.9],
  calibrate: [0.9, 0.95],
  evaluate: [0.95, 1],
};

export function trainingJob(deps: WorkDeps): JobType {
  return {
    validate(payload) {
      const p = obj(payload ?? {}, ["datasets", "name", "version", "bump", "params", "stage", "description"]);
      const datasets = p.datasets ?? [];
      if (
        !Array.isArray(datasets) ||
        datasets.length > 50 ||
        datasets.some((d) => typeof d !== "string" || !DATASET_REF.test(d))
      ) {
        throw new ValidationError(
          'datasets must be catalogue references: "bundled", ds_..., name, name@version',
        );
      }
      const name = p.name === undefined ? DEFAULT_MODEL_NAME : validateModelName(String(p.name));
      const version = optionalString(p, "version", /^\d{1,9}\.\d{1,9}\.\d{1,9}$/);
      if (p.bump !== undefined && !["major", "minor", "patch"].includes(p.bump as string))
        throw new ValidationError("bump must be major, minor or patch");
      if (
        p.stage !== undefined &&
        (typeof p.stage !== "string" || !isStage(p.stage) || p.stage === "archived")
      ) {
        throw new ValidationError("stage must be none, staging or production");
      }
      if (
        p.params !== undefined &&
        (typeof p.params !== "object" || p.params === null || Array.isArray(p.params))
      ) {
        throw new ValidationError("params must be an object of training parameters");
      }
      const description = optionalString(p, "description", /^[^\u0000-\u001f]{0,500}$/);
      return {
        datasets,
        name,
        ...(version ? { version } : {}),
        ...(p.bump ? { bump: p.bump } : {}),
        ...(p.params ? { params: p.params } : {}),
        ...(p.stage && p.stage !== "none" ? { stage: p.stage } : {}),
        ...(description ? { description } : {}),
      };
    },
    async run(ctx) {
      const p = ctx.payload as {
        datasets: string[];
        name: string;
        version?: string;
        bump?: "major" | "minor" | "patch";
        params?: Record<string, unknown>;
        stage?: Stage;
        description?: string;
      };
      return withContext(deps, ctx, async (r) => {
        // Resolved through the catalogue to ids first, so no reference can name a local path.
        const refs = [];
        for (const d of p.datasets.length ? p.datasets : ["bundled"])
          refs.push(d === "bundled" ? d : (await r.catalog.resolve(d)).id);
        ctx.log(`training ${p.name} on ${refs.join(", ")}`);
        let phase = "";
        const trained = await trainRun(r, {
          data: refs,
          name: p.name,
          ...(p.version ? { version: p.version } : {}),
          ...(p.bump ? { bump: p.bump } : {}),
          ...(p.params ? { params: p.params } : {}),
          rules: loadRulesFile(),
          ...(p.stage ? { stage: p.stage } : {}),
          ...(p.description ? { description: p.description } : {}),
          onProgress: (x) => {
            if (ctx.signal.aborted) throw new Error("cancelled");
            const [from, to] = PHASE_SPAN[x.phase];
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
        if (v.stage === "production") deps.onModelChanged?.();
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
