/**
 * The production model of the registry, read through its SHA-256 check. On first start
 * (no production version yet) the model shipped in the package is registered as 1.0.0 and
 * promoted, with a run that records how it was built, which takes a second. Only when the
 * shipped model cannot serve (it was built from other data than the bundled corpus here,
 * or the registry already holds other versions) is one trained from the bundled corpus.
 */
import { stderrAuditSink, type AuditSink } from "../audit/sink.js";
import { DEFAULT_MODEL_NAME, loadConfig, type BulwarkConfig } from "../core/config.js";
import { IntegrityError } from "../core/errors.js";
import { resolveInputs } from "../data/inputs.js";
import type { DatabaseHandle } from "../db/open.js";
import { loadShippedModel } from "../detect/create.js";
import { BuiltinModel } from "../detect/model.js";
import { loadRulesFile } from "../detect/rules.js";
import { recordRun, trainRun } from "../learn/training-run.js";
import { ModelVersionExistsError } from "../registry/errors.js";
import type { ModelVersion } from "../registry/registry.js";
import type { ObjectStore } from "../storage/types.js";
import type { TrainParams, TrainProgress, TrainResult, ValidationReport } from "../train/builtin-trainer.js";
import { openWorkspace, type Workspace } from "./workspace.js";

export interface DefaultModelOptions {
  config?: BulwarkConfig;
  /** Model name in the registry (default: the configured one, "builtin"). */
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
  /** How this call got a production version when there was none: registered the shipped model, or trained one. */
  bootstrapped?: "shipped" | "trained";
  /** Set when the production version was refused and this earlier one is serving instead. */
  fallbackFrom?: ModelVersion;
}

/** The production version of the default model, verified; the shipped one promoted on first start. */
export async function loadDefaultModel(options: DefaultModelOptions = {}): Promise<DefaultModel> {
  const config = options.config ?? loadConfig();
  const name = options.name ?? config.detector.model ?? DEFAULT_MODEL_NAME;
  const ws = await openWorkspace(config, {
    actor: options.actor ?? "system:default-model",
    audit: options.audit ?? stderrAuditSink(),
    ...(options.db ? { db: options.db } : {}),
    ...(options.store ? { store: options.store } : {}),
  });
  try {
    const loaded = await loadProduction(ws, name, options);
    if (loaded) return loaded;
    return await bootstrap(ws, name, options);
  } finally {
    await ws.close();
  }
}

async function loadProduction(
  ws: Workspace,
  name: string,
  options: DefaultModelOptions,
): Promise<DefaultModel | undefined> {
  const loaded = await ws.registry.loadProduction(name, { fallback: true });
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

/**
 * The shipped model's result, when it can stand for this registry's first version: built
 * under the same name from exactly the bundled corpus this installation has.
 */
async function shippedResult(ws: Workspace, name: string): Promise<TrainResult | undefined> {
  let shipped;
  try {
    shipped = await loadShippedModel();
  } catch {
    return undefined; // missing or altered: training below says why it is needed
  }
  const { model, manifest, bytes } = shipped;
  if (model.meta.name !== name || model.meta.version !== "1.0.0") return undefined;
  const [bundled] = await resolveInputs(ws.catalog, ["bundled"]);
  if (!bundled || bundled.lineage.sha256 !== manifest.corpusSha256) return undefined;
  return {
    model,
    artifact: bytes,
    report: manifest.report as unknown as ValidationReport,
    durationMs: manifest.durationMs,
    params: manifest.params as unknown as TrainParams,
    rows: manifest.rows,
  };
}

async function bootstrap(ws: Workspace, name: string, options: DefaultModelOptions): Promise<DefaultModel> {
  const first = (await ws.registry.list({ name })).length === 0;
  try {
    const shipped = first ? await shippedResult(ws, name) : undefined;
    const r = shipped
      ? await recordRun(
          ws,
          {
            name,
            version: "1.0.0",
            params: shipped.params,
            datasets: (await resolveInputs(ws.catalog, ["bundled"])).map((i) => i.lineage),
            skippedRows: 0,
            stage: "production",
            ifNoProduction: true,
            description: "default model shipped with the package, built from the bundled corpus",
          },
          async () => shipped,
        )
      : await trainRun(ws, {
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
        bootstrapped: shipped ? "shipped" : "trained",
      };
    }
  } catch (err) {
    // Another process took 1.0.0 first: it is registering or promoting the same model.
    if (!(err instanceof ModelVersionExistsError)) throw err;
  }
  // Someone else's first start won the race: use what they promoted.
  for (let waited = 0; waited < 300_000; waited += 250) {
    const loaded = await loadProduction(ws, name, options);
    if (loaded) return loaded;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new IntegrityError(`no production version of ${name} appeared while another process was training it`);
}
