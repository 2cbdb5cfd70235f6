/**
 * The model registry: versions of named models, their artifacts in the object store
 * (models/{name}/{version}/ with a manifest beside the artifact), lineage, stages and the
 * history of every stage change, over the metadata database.
 *
 * Guarantees, whatever number of processes share the database and the store:
 * - version numbers are unique per model (a unique constraint; auto-allocation retries);
 * - at most one production version per model (a partial unique index, and promotions
 *   that demote the previous production version in the same transaction);
 * - an artifact is only ever read through its SHA-256 check; one that fails is refused
 *   with IntegrityError and an audit entry, and is never promoted.
 */
import { defaultActor, noopAuditSink, safeRecord, type AuditSink } from "../audit/sink.js";
import { BulwarkError, describeError, IntegrityError, isBulwarkError } from "../core/errors.js";
import type { DatabaseHandle } from "../db/open.js";
import {
  fromJson,
  toJson,
  toNumber,
  type ModelStageEventsTable,
  type ModelVersionsTable,
} from "../db/schema.js";
import { forUpdate, writeTransaction, type Tx } from "../db/transaction.js";
import { newId } from "../db/ids.js";
import { isUniqueViolation } from "../db/errors.js";
import { sha256Hex } from "../detect/model.js";
import type { Detector } from "../detect/types.js";
import { PREFIXES } from "../storage/layout.js";
import type { ObjectStore } from "../storage/types.js";
import { DEFAULT_SNAPSHOT_RETENTION, type SnapshotRetention } from "./config.js";
import { ModelNotFoundError, ModelVersionExistsError, StageChangeRefusedError } from "./errors.js";
import { modelFormat } from "./formats.js";
import { writeSnapshot, type SnapshotResult } from "./snapshot.js";
import { bumpVersion, formatVersion, parseModelRef, parseVersion, validateModelName } from "./versions.js";
import {
  isStage,
  type Stage,
  type ModelVersion,
  type StageEvent,
  type ModelManifest,
  type ReserveInput,
  type CompleteInput,
  type RegisterInput,
  type Reservation,
  type VerifyResult,
  type LoadedModel,
  type StageChange,
  type RegistryOptions,
} from "./types.js";

export * from "./types.js";

function toVersion(row: ModelVersionsTable): ModelVersion {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    ref: `${row.name}@${row.version}`,
    family: row.family,
    format: row.format,
    stage: row.stage as Stage,
    sha256: row.sha256 ?? "",
    size: toNumber(row.size_bytes) ?? 0,
    artifactKey: row.artifact_key,
    manifestKey: row.manifest_key,
    artifactVersionId: row.artifact_version_id,
    parentVersion: row.parent_version,
    runId: row.run_id,
    datasets: fromJson(row.datasets, []),
    params: fromJson(row.params, {}),
    metrics: fromJson(row.metrics, {}),
    description: row.description,
    createdAt: row.created_at,
    createdBy: row.created_by,
    stageChangedAt: row.stage_changed_at,
    stageChangedBy: row.stage_changed_by,
  };
}

function toEvent(row: ModelStageEventsTable): StageEvent {
  return {
    id: row.id,
    name: row.model_name,
    version: row.version,
    from: row.from_stage as Stage,
    to: row.to_stage as Stage,
    action: row.action,
    actor: row.actor,
    reason: row.reason,
    at: row.at,
    snapshotKey: row.snapshot_key,
    snapshotLocked: row.snapshot_locked === null ? null : row.snapshot_locked === 1,
  };
}

export class ModelRegistry {
  readonly actor: string;
  readonly audit: AuditSink;
  private readonly retention: SnapshotRetention;

  constructor(
    readonly db: DatabaseHandle,
    readonly store: ObjectStore,
    options: RegistryOptions = {},
  ) {
    this.actor = options.actor ?? defaultActor();
    this.audit = options.audit ?? noopAuditSink;
    this.retention = options.snapshotRetention ?? DEFAULT_SNAPSHOT_RETENTION;
  }

  // ---------- registration ----------

  /** Takes a version number and stores the artifact under it, in one call. */
  async register(input: RegisterInput): Promise<ModelVersion> {
    const reservation = await this.reserve(input);
    return this.complete(reservation, input);
  }

  /**
   * Takes the next (or the given) version number of a model before its artifact exists,
   * so a trainer can embed the version in the artifact and the artifact is written under
   * a key no other process can be using. Finish with `complete`, or `abandon` on failure.
   */
  async reserve(input: ReserveInput): Promise<Reservation> {
    const name = validateModelName(input.name);
    const format = modelFormat(input.format);
    const explicit = input.version === undefined ? undefined : parseVersion(input.version);
    const id = newId("mv");
    const createdAt = new Date().toISOString();
    const row = await writeTransaction(
      this.db,
      async (tx) => {
        let v = explicit;
        if (!v) {
          // Pending reservations count too: a number is never handed to two writers.
          const top = await tx
            .selectFrom("model_versions")
            .select(["major", "minor", "patch"])
            .where("name", "=", name)
            .orderBy("major", "desc")
            .orderBy("minor", "desc")
            .orderBy("patch", "desc")
            .limit(1)
            .executeTakeFirst();
          v = bumpVersion(top, input.bump);
        }
        const version = formatVersion(v);
        const parent =
          input.parentVersion !== undefined
            ? input.parentVersion
            : ((
                await tx
                  .selectFrom("model_versions")
                  .select("version")
                  .where("name", "=", name)
                  .where("stage", "=", "production")
                  .executeTakeFirst()
              )?.version ?? null);
        const dir = `${PREFIXES.models}${name}/${version}/`;
        const row: ModelVersionsTable = {
          id,
          name,
          version,
          ...v,
          family: format.family,
          format: format.format,
          status: "pending",
          stage: "none",
          artifact_key: `${dir}${format.fileName}`,
          manifest_key: `${dir}manifest.json`,
          sha256: null,
          size_bytes: null,
          artifact_version_id: null,
          parent_version: parent,
          run_id: input.runId ?? null,
          datasets: "[]",
          params: "{}",
          metrics: "{}",
          description: null,
          created_at: createdAt,
          created_by: this.actor,
          stage_changed_at: null,
          stage_changed_by: null,
        };
        try {
          await tx.insertInto("model_versions").values(row).execute();
        } catch (err) {
          if (explicit && isUniqueViolation(err)) throw new ModelVersionExistsError(name, version);
          throw err;
        }
        return row;
      },
      { retryOn: (err) => !explicit && isUniqueViolation(err) },
    );
    return { id, name, version: row.version, format: format.format, parentVersion: row.parent_version, row };
  }

  /** Stores the artifact and manifest of a reserved version and makes it visible. */
  async complete(reservation: Reservation, input: CompleteInput): Promise<ModelVersion> {
    const format = modelFormat(reservation.format);
    const { name } = reservation;
    try {
      const bytes = input.artifact;
      const sha256 = sha256Hex(bytes);
      const put = await this.store.put(reservation.row.artifact_key, bytes, {
        contentType: format.contentType,
        metadata: { model: name, version: reservation.version, format: format.format },
      });
      if (put.sha256 !== sha256)
        throw new IntegrityError(`artifact of ${name}@${reservation.version} was altered while being stored`);
      const row: ModelVersionsTable = {
        ...reservation.row,
        status: "ready",
        sha256,
        size_bytes: bytes.length,
        artifact_version_id: put.versionId,
        run_id: input.runId ?? reservation.row.run_id,
        datasets: toJson(input.datasets ?? []),
        params: toJson(input.params ?? {}),
        metrics: toJson(input.metrics ?? {}),
        description: input.description ?? null,
      };
      const version = toVersion(row);
      await this.store.put(row.manifest_key, `${JSON.stringify(this.manifestOf(version), null, 2)}\n`, {
        contentType: "application/json",
      });
      await this.db.db
        .updateTable("model_versions")
        .set({
          status: "ready",
          sha256,
          size_bytes: bytes.length,
          artifact_version_id: put.versionId,
          run_id: row.run_id,
          datasets: row.datasets,
          params: row.params,
          metrics: row.metrics,
          description: row.description,
        })
        .where("id", "=", reservation.id)
        .execute();
      await safeRecord(this.audit, {
        actor: this.actor,
        action: "model.register",
        target: version.ref,
        outcome: "success",
        details: { sha256, size: bytes.length, format: format.format, runId: version.runId },
      });
      return version;
    } catch (err) {
      await this.abandon(reservation);
      throw err;
    }
  }

  /** Gives up a reservation whose artifact will never come; its number becomes free again. */
  async abandon(reservation: Reservation): Promise<void> {
    await this.db.db
      .deleteFrom("model_versions")
      .where("id", "=", reservation.id)
      .where("status", "=", "pending")
      .execute()
      .catch(() => undefined);
  }

  manifestOf(v: ModelVersion): ModelManifest {
    return {
      name: v.name,
      version: v.version,
      family: v.family,
      format: v.format,
      artifact: { key: v.artifactKey, sha256: v.sha256, size: v.size, versionId: v.artifactVersionId },
      lineage: { datasets: v.datasets, parentVersion: v.parentVersion, runId: v.runId },
      params: v.params,
      metrics: v.metrics,
      description: v.description,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
    };
  }

  // ---------- queries ----------

  async list(options: { name?: string; stage?: Stage } = {}): Promise<ModelVersion[]> {
    let q = this.db.db.selectFrom("model_versions").selectAll().where("status", "=", "ready");
    if (options.name) q = q.where("name", "=", options.name);
    if (options.stage) q = q.where("stage", "=", options.stage);
    const rows = await q
      .orderBy("name")
      .orderBy("major", "desc")
      .orderBy("minor", "desc")
      .orderBy("patch", "desc")
      .execute();
    return rows.map(toVersion);
  }

  async production(name: string): Promise<ModelVersion | undefined> {
    const row = await this.db.db
      .selectFrom("model_versions")
      .selectAll()
      .where("name", "=", name)
      .where("stage", "=", "production")
      .where("status", "=", "ready")
      .executeTakeFirst();
    return row ? toVersion(row) : undefined;
  }

  /**
   * `name@1.2.0`, `name@production` (or any stage: the newest version in it),
   * `name@latest`, or `name` (production if there is one, else the latest).
   */
  async resolve(ref: string): Promise<ModelVersion> {
    const { name, selector } = parseModelRef(ref);
    let q = this.db.db
      .selectFrom("model_versions")
      .selectAll()
      .where("name", "=", name)
      .where("status", "=", "ready");
    if (selector && /^\d/.test(selector)) q = q.where("version", "=", formatVersion(parseVersion(selector)));
    else if (selector && isStage(selector)) q = q.where("stage", "=", selector);
    else if (selector && selector !== "latest")
      throw new ModelNotFoundError(ref, 'after "@" give a version, a stage or "latest"');
    if (!selector) {
      const prod = await this.production(name);
      if (prod) return prod;
    }
    const row = await q
      .orderBy("major", "desc")
      .orderBy("minor", "desc")
      .orderBy("patch", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!row) throw new ModelNotFoundError(ref);
    return toVersion(row);
  }

  /** Stage changes of a model, newest first. */
  async history(name: string, limit = 1000): Promise<StageEvent[]> {
    const rows = await this.db.db
      .selectFrom("model_stage_events")
      .selectAll()
      .where("model_name", "=", name)
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  // ---------- integrity ----------

  /** Reads an artifact and checks it against the SHA-256 recorded at registration. */
  async verify(v: ModelVersion): Promise<VerifyResult> {
    return (await this.check(v)).result;
  }

  private async check(v: ModelVersion): Promise<{ result: VerifyResult; bytes?: Buffer }> {
    const base = { ref: v.ref, name: v.name, version: v.version, stage: v.stage, expected: v.sha256 };
    let bytes: Buffer;
    try {
      bytes = await this.store.getBuffer(v.artifactKey);
    } catch (err) {
      const missing = isBulwarkError(err) && (err.code === "NO_SUCH_KEY" || err.code === "NO_SUCH_VERSION");
      const problem = missing
        ? `artifact ${v.artifactKey} is missing`
        : `artifact unreadable: ${describeError(err)}`;
      return { result: { ...base, ok: false, actual: null, size: null, problem } };
    }
    const actual = sha256Hex(bytes);
    if (actual === v.sha256) return { result: { ...base, ok: true, actual, size: bytes.length }, bytes };
    const problem =
      bytes.length < v.size
        ? `artifact is truncated (${bytes.length} of ${v.size} bytes)`
        : `artifact SHA-256 is ${actual}, not the ${v.sha256} recorded when it was registered`;
    return { result: { ...base, ok: false, actual, size: bytes.length, problem } };
  }

  /** Verifies every ready version (or those of one model); failures are audited. */
  async verifyAll(name?: string): Promise<VerifyResult[]> {
    return this.verifyMany(await this.list(name ? { name } : {}));
  }

  /** Verifies the given versions; failures are audited. */
  async verifyMany(versions: readonly ModelVersion[]): Promise<VerifyResult[]> {
    const out: VerifyResult[] = [];
    for (const v of versions) {
      const r = await this.verify(v);
      if (!r.ok) await this.refused(v, "model.verify", r);
      out.push(r);
    }
    return out;
  }

  private async refused(v: ModelVersion, action: string, r: VerifyResult): Promise<IntegrityError> {
    await safeRecord(this.audit, {
      actor: this.actor,
      action,
      target: v.ref,
      outcome: "denied",
      details: {
        reason: "integrity",
        problem: r.problem,
        expected: r.expected,
        actual: r.actual,
        key: v.artifactKey,
      },
    });
    return new IntegrityError(`model ${v.ref} refused: ${r.problem}`, {
      ref: v.ref,
      expected: r.expected,
      actual: r.actual,
      key: v.artifactKey,
    });
  }

  /** The verified artifact's bytes; IntegrityError (and an audit entry) when it fails its check. */
  async artifact(v: ModelVersion, action = "model.load"): Promise<Buffer> {
    const { result, bytes } = await this.check(v);
    if (!result.ok || !bytes) throw await this.refused(v, action, result);
    return bytes;
  }

  /** A verified, loaded model version. */
  async load<M = unknown>(refOrVersion: string | ModelVersion): Promise<LoadedModel<M>> {
    const v = typeof refOrVersion === "string" ? await this.resolve(refOrVersion) : refOrVersion;
    const bytes = await this.artifact(v);
    const model = modelFormat(v.format).load(bytes, `${v.ref} (${v.artifactKey})`) as M;
    return { version: v, model };
  }

  /**
   * The production version of a model, loaded and verified. When it fails its check and
   * `fallback` is on, the most recent earlier production version that passes is loaded
   * instead (and audited), so a tampered artifact never takes detection down; the
   * registry's stages are left as they are for an operator to look at.
   */
  async loadProduction<M = unknown>(
    name: string,
    options: { fallback?: boolean } = {},
  ): Promise<(LoadedModel<M> & { fallbackFrom?: ModelVersion; refusal?: IntegrityError }) | undefined> {
    const prod = await this.production(name);
    if (!prod) return undefined;
    try {
      return await this.load<M>(prod);
    } catch (err) {
      if (!(err instanceof IntegrityError) || !options.fallback) throw err;
      for (const candidate of await this.previousProduction(name, prod.version)) {
        try {
          const loaded = await this.load<M>(candidate);
          await safeRecord(this.audit, {
            actor: this.actor,
            action: "model.fallback",
            target: candidate.ref,
            outcome: "success",
            details: { refused: prod.ref, reason: err.message },
          });
          return { ...loaded, fallbackFrom: prod, refusal: err };
        } catch (inner) {
          if (!(inner instanceof IntegrityError)) throw inner;
        }
      }
      throw err;
    }
  }

  /**
   * For a long-running server: loads the current production version unless it is already
   * the one in service. When it fails its check, the version in service stays.
   */
  async reloadProduction<M = unknown>(
    name: string,
    current: LoadedModel<M> | undefined,
  ): Promise<{ loaded: LoadedModel<M> | undefined; changed: boolean; refusal?: IntegrityError }> {
    const prod = await this.production(name);
    if (!prod || (current && current.version.id === prod.id)) return { loaded: current, changed: false };
    try {
      return { loaded: await this.load<M>(prod), changed: true };
    } catch (err) {
      if (err instanceof IntegrityError && current) return { loaded: current, changed: false, refusal: err };
      throw err;
    }
  }

  /** Versions that were in production before `except`, most recent first (rollback candidates). */
  async previousProduction(name: string, except?: string): Promise<ModelVersion[]> {
    const seen = new Set<string>();
    const out: ModelVersion[] = [];
    const versions = new Map((await this.list({ name })).map((v) => [v.version, v]));
    for (const e of await this.history(name)) {
      if (e.to !== "production" || e.version === except || seen.has(e.version)) continue;
      seen.add(e.version);
      const v = versions.get(e.version);
      if (v) out.push(v);
    }
    return out;
  }

  // ---------- stages ----------

  /**
   * Moves a version to a stage. Promotion to staging or production first verifies the
   * artifact (a version that fails is refused and the current production version stays);
   * a production promotion demotes the previous production version to archived in the
   * same transaction and writes a registry snapshot.
   */
  async promote(
    ref: string | ModelVersion,
    stage: Stage = "production",
    options: {
      reason?: string;
      action?: string;
      /** Production only: leave things as they are when another version is in production. */
      ifNoProduction?: boolean;
    } = {},
  ): Promise<StageChange> {
    const target = typeof ref === "string" ? await this.resolve(ref) : ref;
    const action = options.action ?? (stage === "archived" ? "archive" : "promote");
    if (stage === "production" || stage === "staging") {
      const check = await this.verify(target);
      if (!check.ok) throw await this.refused(target, `model.${action}`, check);
    }
    const at = new Date().toISOString();
    let result: { version: ModelVersion; demoted?: ModelVersion; event: StageEvent | null };
    try {
      result = await writeTransaction(
        this.db,
        (tx) =>
          this.changeStage(tx, target, stage, action, options.reason ?? null, at, options.ifNoProduction),
        { retryOn: isUniqueViolation },
      );
    } catch (err) {
      await safeRecord(this.audit, {
        actor: this.actor,
        action: `model.${action}`,
        target: target.ref,
        outcome: isBulwarkError(err) && err.status < 500 ? "denied" : "failure",
        details: { stage, error: describeError(err) },
      });
      throw err;
    }
    const change: StageChange = { ...result };
    if (stage === "production" && result.event) {
      try {
        change.snapshot = await this.snapshot(target.name, result.event);
        await this.db.db
          .updateTable("model_stage_events")
          .set({ snapshot_key: change.snapshot.key, snapshot_locked: change.snapshot.locked ? 1 : 0 })
          .where("id", "=", result.event.id)
          .execute();
        result.event.snapshotKey = change.snapshot.key;
        result.event.snapshotLocked = change.snapshot.locked;
      } catch (err) {
        change.snapshotError = describeError(err);
      }
    }
    await safeRecord(this.audit, {
      actor: this.actor,
      action: `model.${action}`,
      target: target.ref,
      outcome: "success",
      details: {
        from: result.event?.from ?? target.stage,
        to: stage,
        demoted: result.demoted?.ref,
        reason: options.reason,
        snapshot: change.snapshot?.key,
        snapshotLocked: change.snapshot?.locked,
        snapshotError: change.snapshotError,
      },
    });
    return change;
  }

  private async changeStage(
    tx: Tx,
    target: ModelVersion,
    stage: Stage,
    action: string,
    reason: string | null,
    at: string,
    ifNoProduction = false,
  ): Promise<{ version: ModelVersion; demoted?: ModelVersion; event: StageEvent | null }> {
    // Lock the model's rows (PostgreSQL); SQLite's IMMEDIATE transaction already excludes writers.
    let q = tx.selectFrom("model_versions").selectAll().where("name", "=", target.name);
    if (forUpdate(this.db)) q = q.forUpdate();
    const rows = await q.execute();
    const current = rows.find((r) => r.id === target.id);
    if (!current || current.status !== "ready") throw new ModelNotFoundError(target.ref);
    const from = current.stage as Stage;
    if (from === stage) return { version: toVersion(current), event: null };
    if (from === "production" && stage !== "production")
      throw new StageChangeRefusedError(
        `${target.ref} is the production version: promote another version (or \`bulwark models rollback ${target.name}\`) instead of moving it to ${stage}, so the model is never left without one`,
        { ref: target.ref },
      );
    let demoted: ModelVersion | undefined;
    if (stage === "production") {
      const prod = rows.find((r) => r.stage === "production" && r.id !== target.id);
      if (prod && ifNoProduction) return { version: toVersion(current), event: null };
      if (prod) {
        await tx
          .updateTable("model_versions")
          .set({ stage: "archived", stage_changed_at: at, stage_changed_by: this.actor })
          .where("id", "=", prod.id)
          .execute();
        await tx
          .insertInto("model_stage_events")
          .values(this.eventRow(prod, "production", "archived", "demote", reason, at))
          .execute();
        demoted = toVersion({
          ...prod,
          stage: "archived",
          stage_changed_at: at,
          stage_changed_by: this.actor,
        });
      }
    }
    await tx
      .updateTable("model_versions")
      .set({ stage, stage_changed_at: at, stage_changed_by: this.actor })
      .where("id", "=", target.id)
      .execute();
    const eventRow = this.eventRow(current, from, stage, action, reason, at);
    await tx.insertInto("model_stage_events").values(eventRow).execute();
    return {
      version: toVersion({ ...current, stage, stage_changed_at: at, stage_changed_by: this.actor }),
      ...(demoted ? { demoted } : {}),
      event: toEvent(eventRow),
    };
  }

  private eventRow(
    row: ModelVersionsTable,
    from: string,
    to: string,
    action: string,
    reason: string | null,
    at: string,
  ): ModelStageEventsTable {
    return {
      id: newId("ev"),
      model_name: row.name,
      version: row.version,
      from_stage: from,
      to_stage: to,
      action,
      actor: this.actor,
      reason,
      at,
      snapshot_key: null,
      snapshot_locked: null,
    };
  }

  /**
   * Puts back the version that was in production before the current one (or `to`),
   * provided its artifact still verifies; the current one is archived.
   */
  async rollback(name: string, options: { to?: string; reason?: string } = {}): Promise<StageChange> {
    validateModelName(name);
    const current = await this.production(name);
    let target: ModelVersion | undefined;
    if (options.to) target = await this.resolve(`${name}@${options.to}`);
    else {
      for (const candidate of await this.previousProduction(name, current?.version)) {
        if ((await this.verify(candidate)).ok) {
          target = candidate;
          break;
        }
      }
    }
    if (!target)
      throw new StageChangeRefusedError(
        `no earlier production version of ${name} to roll back to${current ? ` (current: ${current.version})` : ""}; name one with --to`,
        { name },
      );
    if (current && target.id === current.id)
      throw new StageChangeRefusedError(`${target.ref} is already the production version`, {
        ref: target.ref,
      });
    return this.promote(target, "production", {
      action: "rollback",
      ...(options.reason ? { reason: options.reason } : {}),
    });
  }

  async archive(ref: string, options: { reason?: string } = {}): Promise<StageChange> {
    return this.promote(ref, "archived", options);
  }

  private async snapshot(name: string, event: StageEvent): Promise<SnapshotResult> {
    const versions = await this.list({ name });
    const production = versions.find((v) => v.stage === "production");
    return writeSnapshot(
      this.store,
      name,
      {
        kind: "bulwark-registry-snapshot",
        model: name,
        at: event.at,
        actor: event.actor,
        event,
        production: production
          ? { version: production.version, sha256: production.sha256, artifact: production.artifactKey }
          : null,
        versions: versions.map((v) => ({
          ...this.manifestOf(v),
          stage: v.stage,
          stageChangedAt: v.stageChangedAt,
          stageChangedBy: v.stageChangedBy,
        })),
        history: await this.history(name),
      },
      this.retention,
    );
  }

  // ---------- comparison ----------

  /** Detectors over two verified versions, for side-by-side evaluation. */
  async detectors(
    a: string,
    b: string,
  ): Promise<[LoadedModel & { detector: Detector }, LoadedModel & { detector: Detector }]> {
    const load = async (ref: string) => {
      const loaded = await this.load(ref);
      const format = modelFormat(loaded.version.format);
      if (!format.detector)
        throw new BulwarkError(
          "MODEL_NOT_EVALUABLE",
          `models of format ${format.format} have no detector to evaluate`,
          400,
          {
            ref,
          },
        );
      return { ...loaded, detector: format.detector(loaded.model) };
    };
    return [await load(a), await load(b)];
  }
}
