/**
 * Registering a model version, in three steps so that processes sharing the database
 * never collide: `reserve` takes a version number under a unique constraint before the
 * artifact exists (a trainer can embed it, and the artifact is written under a key no one
 * else can be using), `complete` stores the artifact and its manifest and makes the
 * version visible, and `abandon` gives the number back when the artifact never comes.
 * A version, once complete, is never overwritten.
 */
import { safeRecord } from "../audit/sink.js";
import { IntegrityError } from "../core/errors.js";
import { isUniqueViolation } from "../db/errors.js";
import { newId } from "../db/ids.js";
import { toJson, type ModelVersionsTable } from "../db/schema.js";
import { writeTransaction } from "../db/transaction.js";
import { sha256Hex } from "../detect/model.js";
import { PREFIXES } from "../storage/layout.js";
import { ModelVersionExistsError } from "./errors.js";
import { modelFormat } from "./formats.js";
import { manifestOf, toVersion } from "./records.js";
import type {
  CompleteInput,
  ModelVersion,
  RegisterInput,
  RegistryContext,
  Reservation,
  ReserveInput,
} from "./types.js";
import { bumpVersion, formatVersion, parseVersion, validateModelName } from "./versions.js";

/** Takes a version number and stores the artifact under it, in one call. */
export async function register(ctx: RegistryContext, input: RegisterInput): Promise<ModelVersion> {
  const reservation = await reserve(ctx, input);
  return complete(ctx, reservation, input);
}

/**
 * Takes the next (or the given) version number of a model before its artifact exists.
 * Finish with `complete`, or `abandon` on failure.
 */
export async function reserve(ctx: RegistryContext, input: ReserveInput): Promise<Reservation> {
  const name = validateModelName(input.name);
  const format = modelFormat(input.format);
  const explicit = input.version === undefined ? undefined : parseVersion(input.version);
  const id = newId("mv");
  const createdAt = new Date().toISOString();
  const row = await writeTransaction(
    ctx.db,
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
        companions: null,
        parent_version: parent,
        run_id: input.runId ?? null,
        datasets: "[]",
        params: "{}",
        metrics: "{}",
        description: null,
        created_at: createdAt,
        created_by: ctx.actor,
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
export async function complete(
  ctx: RegistryContext,
  reservation: Reservation,
  input: CompleteInput,
): Promise<ModelVersion> {
  const format = modelFormat(reservation.format);
  const { name } = reservation;
  try {
    const bytes = input.artifact;
    const sha256 = sha256Hex(bytes);
    const put = await ctx.store.put(reservation.row.artifact_key, bytes, {
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
    await ctx.store.put(row.manifest_key, `${JSON.stringify(manifestOf(version), null, 2)}\n`, {
      contentType: "application/json",
    });
    await ctx.db.db
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
    await safeRecord(ctx.audit, {
      actor: ctx.actor,
      action: "model.register",
      target: version.ref,
      outcome: "success",
      details: { sha256, size: bytes.length, format: format.format, runId: version.runId },
    });
    return version;
  } catch (err) {
    await abandon(ctx, reservation);
    throw err;
  }
}

/** Gives up a reservation whose artifact will never come; its number becomes free again. */
export async function abandon(ctx: RegistryContext, reservation: Reservation): Promise<void> {
  await ctx.db.db
    .deleteFrom("model_versions")
    .where("id", "=", reservation.id)
    .where("status", "=", "pending")
    .execute()
    .catch(() => undefined);
}
