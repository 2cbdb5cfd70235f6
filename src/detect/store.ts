/**
 * Where the default model comes from: the production version of model `builtin` in the
 * registry, read through its SHA-256 check. On first start (no production version yet)
 * one is trained from the bundled corpus, registered as 1.0.0 and promoted, which takes
 * under a minute. Model files given by path (`--model PATH`) are read as before.
 */
import { readFile } from "node:fs/promises";
import { stderrAuditSink, type AuditSink } from "../core/audit.js";
import { loadConfig, type BulwarkConfig } from "../core/config.js";
import { IntegrityError } from "../core/errors.js";
import { loadRulesFile } from "./rules.js";
import { ModelVersionExistsError } from "../registry/errors.js";
import { openRegistryContext, type RegistryContext } from "../registry/context.js";
import type { ModelVersion } from "../registry/registry.js";
import { DEFAULT_MODEL_NAME, trainRun } from "../train/train-run.js";
import type { TrainProgress } from "../train/builtin-trainer.js";
import type { DatabaseHandle } from "../db/open.js";
import type { ObjectStore } from "../storage/types.js";
import { BuiltinModel } from "./model.js";

export async function loadModelFile(path: string): Promise<BuiltinModel> {
  return BuiltinModel.deserialize(await readFile(path), path);
}

export interface DefaultModelOptions {
  config?: BulwarkConfig;
  /** Model name in the registry (default "builtin"). */
  name?: string;
  onTrainProgress?: (p: TrainProgress) => void;
  /** Told when the production version failed its check and an earlier one is used. */
  onWarning?: (message: string) => void;
  audit?: AuditSink;
  actor?: string;
  /** Share an open database handle and store instead of opening new ones. */
  db?: DatabaseHandle;
  store?: ObjectStore;
}

export interface DefaultModel {
  model: BuiltinModel;
  version: ModelVersion;
  /** True when this call trained and promoted the first version. */
  trained: boolean;
  /** Set when the production version was refused and this earlier one is serving instead. */
  fallbackFrom?: ModelVersion;
}

/** The production version of the default model, verified; trained and promoted on first start. */
export async function loadDefaultModel(options: DefaultModelOptions = {}): Promise<DefaultModel> {
  const config = options.config ?? loadConfig();
  const name = options.name ?? DEFAULT_MODEL_NAME;
  const ctx = await openRegistryContext(config, {
    actor: options.actor ?? "system:default-model",
    audit: options.audit ?? stderrAuditSink(),
    ...(options.db ? { db: options.db } : {}),
    ...(options.store ? { store: options.store } : {}),
  });
  try {
    const loaded = await loadProduction(ctx, name, options);
    if (loaded) return { ...loaded, trained: false };
    return await bootstrap(ctx, name, options);
  } finally {
    await ctx.close();
  }
}

async function loadProduction(
  ctx: RegistryContext,
  name: string,
  options: DefaultModelOptions,
): Promise<Omit<DefaultModel, "trained"> | undefined> {
  const loaded = await ctx.registry.loadProduction(name, { fallback: true });
  if (!loaded) return undefined;
  if (!(loaded.model instanceof BuiltinModel))
    throw new IntegrityError(
      `the production version of ${name} (${loaded.version.ref}) has format ${loaded.version.format}, which the built-in detector cannot run`,
    );
  if (loaded.fallbackFrom) {
    options.onWarning?.(
      `${loaded.refusal?.message ?? `${loaded.fallbackFrom.ref} was refused`}; serving the previous production version ${loaded.version.ref} instead (run \`bulwark models verify --all\`)`,
    );
  }
  return {
    model: loaded.model,
    version: loaded.version,
    ...(loaded.fallbackFrom ? { fallbackFrom: loaded.fallbackFrom } : {}),
  };
}

async function bootstrap(
  ctx: RegistryContext,
  name: string,
  options: DefaultModelOptions,
): Promise<DefaultModel> {
  const first = (await ctx.registry.list({ name })).length === 0;
  try {
    const r = await trainRun(ctx, {
      data: ["bundled"],
      name,
      // The first version of a fresh registry is 1.0.0; otherwise the next free one.
      ...(first ? { version: "1.0.0" } : {}),
      rules: loadRulesFile(),
      ...(options.onTrainProgress ? { onProgress: options.onTrainProgress } : {}),
      stage: "production",
      ifNoProduction: true,
      description: "default model, trained from the bundled corpus on first start",
    });
    if (r.version.stage === "production") {
      return {
        model: BuiltinModel.deserialize(r.result.artifact, r.version.ref),
        version: r.version,
        trained: true,
      };
    }
  } catch (err) {
    // Another process took 1.0.0 first: it is training or promoting the same model.
    if (!(err instanceof ModelVersionExistsError)) throw err;
  }
  // Someone else's first start won the race: use what they promoted.
  for (let waited = 0; waited < 300_000; waited += 250) {
    const loaded = await loadProduction(ctx, name, options);
    if (loaded) return { ...loaded, trained: false };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new IntegrityError(`no production version of ${name} appeared while another process was training it`);
}
