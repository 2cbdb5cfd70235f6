/**
 * The model registry: versions of named models, their files in the object store
 * (models/{name}/{version}/: the artifact, any companion files its format owns, and a
 * manifest), lineage, stages and the history of every stage change, over the metadata
 * database.
 *
 * Guarantees, whatever number of processes share the database and the store:
 * - version numbers are unique per model (a unique constraint; auto-allocation retries);
 * - at most one production version per model (a partial unique index, and promotions
 *   that demote the previous production version in the same transaction);
 * - a version's files are only ever read through their SHA-256 checks; a version with one
 *   that fails is refused with IntegrityError and an audit entry, and is never promoted.
 *
 * This class only holds the context (database, store, actor, audit sink) and names the
 * operations; each job has its own module: registration.ts (reserve, complete, abandon),
 * queries.ts (list, resolve, history), integrity.ts (SHA-256 checks and refusals),
 * loading.ts (load, production with fallback), stages.ts (stage changes and snapshots)
 * and compare.ts (detectors for side-by-side evaluation).
 */
import { defaultActor } from "../core/actor.js";
import { noopAuditSink, type AuditSink } from "../audit/sink.js";
import type { DatabaseHandle } from "../db/open.js";
import type { ObjectStore } from "../storage/types.js";
import * as compare from "./compare.js";
import { DEFAULT_SNAPSHOT_RETENTION } from "./config.js";
import * as integrity from "./integrity.js";
import * as loading from "./loading.js";
import * as queries from "./queries.js";
import * as records from "./records.js";
import * as registration from "./registration.js";
import * as stages from "./stages.js";
import type {
  CompleteInput,
  LoadedModel,
  ModelFiles,
  ModelManifest,
  ModelVersion,
  PromotionStage,
  RegisterInput,
  RegistryContext,
  RegistryOptions,
  Reservation,
  ReserveInput,
  Stage,
  StageChange,
  StageEvent,
  StageOptions,
  VerifyResult,
} from "./types.js";

export * from "./types.js";
export type { EvaluableModel } from "./compare.js";
export type { LoadedProduction, Reloaded } from "./loading.js";

export class ModelRegistry {
  readonly actor: string;
  readonly audit: AuditSink;
  private readonly ctx: RegistryContext;

  constructor(
    readonly db: DatabaseHandle,
    readonly store: ObjectStore,
    options: RegistryOptions = {},
  ) {
    this.actor = options.actor ?? defaultActor();
    this.audit = options.audit ?? noopAuditSink;
    const retention = options.snapshotRetention ?? DEFAULT_SNAPSHOT_RETENTION;
    this.ctx = {
      db,
      store,
      actor: this.actor,
      audit: this.audit,
      retention,
      ...(options.cache ? { cache: options.cache } : {}),
    };
  }

  /** Takes a version number and stores the artifact under it, in one call. */
  register(input: RegisterInput): Promise<ModelVersion> {
    return registration.register(this.ctx, input);
  }

  /** Takes a version number before the artifact exists; then `complete` or `abandon`. */
  reserve(input: ReserveInput): Promise<Reservation> {
    return registration.reserve(this.ctx, input);
  }

  /** Stores the artifact and manifest of a reserved version and makes it visible. */
  complete(reservation: Reservation, input: CompleteInput): Promise<ModelVersion> {
    return registration.complete(this.ctx, reservation, input);
  }

  /** Gives up a reservation whose artifact will never come; its number becomes free again. */
  abandon(reservation: Reservation): Promise<void> {
    return registration.abandon(this.ctx, reservation);
  }

  manifestOf(v: ModelVersion): ModelManifest {
    return records.manifestOf(v);
  }

  list(options: { name?: string; stage?: Stage } = {}): Promise<ModelVersion[]> {
    return queries.list(this.ctx, options);
  }

  production(name: string): Promise<ModelVersion | undefined> {
    return queries.production(this.ctx, name);
  }

  /** `name@1.2.0`, `name@<stage>`, `name@latest`, or `name` (production, else the latest). */
  resolve(ref: string): Promise<ModelVersion> {
    return queries.resolve(this.ctx, ref);
  }

  /** Stage changes of a model, newest first. */
  history(name: string, limit?: number): Promise<StageEvent[]> {
    return queries.history(this.ctx, name, limit);
  }

  /** Versions that were in production before `except`, most recent first (rollback candidates). */
  previousProduction(name: string, except?: string): Promise<ModelVersion[]> {
    return queries.previousProduction(this.ctx, name, except);
  }

  /** Reads a version's files and checks them against the SHA-256s recorded at registration. */
  verify(v: ModelVersion): Promise<VerifyResult> {
    return integrity.verify(this.ctx, v);
  }

  /** Verifies every ready version (or those of one model); failures are audited. */
  verifyAll(name?: string): Promise<VerifyResult[]> {
    return integrity.verifyAll(this.ctx, name);
  }

  /** Verifies the given versions; failures are audited. */
  verifyMany(versions: readonly ModelVersion[]): Promise<VerifyResult[]> {
    return integrity.verifyMany(this.ctx, versions);
  }

  /** The verified artifact's bytes; IntegrityError (and an audit entry) when any file fails its check. */
  async artifact(v: ModelVersion, action = "model.load"): Promise<Buffer> {
    return (await integrity.verifiedFiles(this.ctx, v, action)).artifact;
  }

  /** The verified artifact and companion files; IntegrityError (and an audit entry) when any fails. */
  files(v: ModelVersion, action = "model.load"): Promise<ModelFiles> {
    return integrity.verifiedFiles(this.ctx, v, action);
  }

  /** A verified, loaded model version. */
  load<M = unknown>(refOrVersion: string | ModelVersion): Promise<LoadedModel<M>> {
    return loading.load<M>(this.ctx, refOrVersion);
  }

  /** The production version, verified; with `fallback`, the last good one when it fails. */
  loadProduction<M = unknown>(
    name: string,
    options: { fallback?: boolean } = {},
  ): Promise<loading.LoadedProduction<M> | undefined> {
    return loading.loadProduction<M>(this.ctx, name, options);
  }

  /** Loads a new production version for a server; keeps `current` when it is refused. */
  reloadProduction<M = unknown>(
    name: string,
    current: LoadedModel<M> | undefined,
  ): Promise<loading.Reloaded<M>> {
    return loading.reloadProduction<M>(this.ctx, name, current);
  }

  /**
   * Moves a version to any stage (what `promote`, `archive` and `rollback` name). Staging
   * and production verify the artifact first; a production change archives the previous
   * production version; the production version itself never moves elsewhere.
   */
  setStage(ref: string | ModelVersion, stage: Stage, options: StageOptions = {}): Promise<StageChange> {
    return stages.setStage(this.ctx, ref, stage, options);
  }

  /** To production (the default, archiving the current one) or staging; verified first. */
  promote(
    ref: string | ModelVersion,
    stage: PromotionStage = "production",
    options: StageOptions = {},
  ): Promise<StageChange> {
    return stages.promote(this.ctx, ref, stage, options);
  }

  /** Out of use; refused for the production version (promote another or roll back). */
  archive(ref: string | ModelVersion, options: { reason?: string } = {}): Promise<StageChange> {
    return stages.archive(this.ctx, ref, options);
  }

  /** Puts back the previous production version (or `to`); the current one is archived. */
  rollback(name: string, options: { to?: string; reason?: string } = {}): Promise<StageChange> {
    return stages.rollback(this.ctx, name, options);
  }

  /** A detector over one verified version (the red team attacks it). */
  detector(ref: string): Promise<compare.EvaluableModel> {
    return compare.evaluable(this.ctx, ref);
  }

  /** Detectors over two verified versions, for side-by-side evaluation. */
  detectors(a: string, b: string): Promise<[compare.EvaluableModel, compare.EvaluableModel]> {
    return compare.detectors(this.ctx, a, b);
  }
}
