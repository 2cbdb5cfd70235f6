/**
 * Registering a model version, in three steps so that processes sharing the database
 * never collide: `reserve` takes a version number under a unique constraint before the
 * artifact exists (a trainer can embed it, and the artifact is written under a key no one
 * else can be using), `complete` stores the artifact, the companion files its format owns
 * and the manifest, records every file's SHA-256 and makes the version visible, and
 * `abandon` gives the number back when the artifact never comes. A version, once
 * complete, is never overwritten.
 */
import { safeRecord } from "../audit/sink.js";
import { IntegrityError, ValidationError } from "../core/errors.js";
import { isUniqueViolation } from "../db/errors.js";
import { newId } from "../db/ids.js";
import { toJson, type ModelVersionsTable } from "../db/schema.js";
import { writeTransaction } from "../db/transaction.js";
import { sha256Hex } from "../detect/model.js";
import { ModelVersionExistsError } from "./errors.js";
import { companionsOf, modelFormat, type CompanionSpec, type ModelFormat } from "./model-formats.js";
import { manifestOf, toVersion, versionDir } from "./records.js";
import type {
  CompanionFile,
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
      const dir = versionDir(name, version);
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
        retrain_required: 0,
        retrain_reason: null,
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

/**
 * Stores the artifact, the format's companion files and the manifest of a reserved
 * version, each checked against the SHA-256 of the bytes handed in, and makes it visible.
 */
export async function complete(
  ctx: RegistryContext,
  reservation: Reservation,
  input: CompleteInput,
): Promise<ModelVersion> {
  const format = modelFormat(reservation.format);
  const { name } = reservation;
  const ref = `${name}@${reservation.version}`;
  try {
    const files = companionFiles(format, input.companions ?? {}, ref);
    const metadata = { model: name, version: reservation.version, format: format.format };
    const bytes = input.artifact;
    const { sha256, versionId } = await storeFile(
      ctx,
      reservation.row.artifact_key,
      bytes,
      { contentType: format.contentType, metadata },
      `artifact of ${ref}`,
    );
    const companions: CompanionFile[] = [];
    for (const { spec, bytes: content } of files) {
      const key = `${versionDir(name, reservation.version)}${spec.fileName}`;
      const put = await storeFile(
        ctx,
        key,
        content,
        { contentType: spec.contentType, metadata },
        `${spec.fileName} of ${ref}`,
      );
      companions.push({ file: spec.fileName, key, size: content.length, ...put });
    }
    const row: ModelVersionsTable = {
      ...reservation.row,
      status: "ready",
      sha256,
      size_bytes: bytes.length,
      artifact_version_id: versionId,
      companions: companions.length > 0 ? toJson(companions) : null,
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
        artifact_version_id: versionId,
        companions: row.companions,
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
      details: {
        sha256,
        size: bytes.length,
        format: format.format,
        runId: version.runId,
        ...(companions.length > 0
          ? { companions: Object.fromEntries(companions.map((c) => [c.file, c.sha256])) }
          : {}),
      },
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

/**
 * The companion files handed in: one for each file the format requires, any of those it
 * declares optional, and no other.
 */
function companionFiles(
  format: ModelFormat,
  given: Readonly<Record<string, Buffer>>,
  ref: string,
): { spec: CompanionSpec; bytes: Buffer }[] {
  const specs = companionsOf(format);
  const declared = specs.map((c) => c.fileName);
  const missing = specs
    .filter((c) => !c.optional && !Object.hasOwn(given, c.fileName))
    .map((c) => c.fileName);
  const foreign = Object.keys(given).filter((file) => !declared.includes(file));
  if (missing.length > 0 || foreign.length > 0)
    throw new ValidationError(
      `${ref}: format ${format.format} owns ${declared.length > 0 ? `the companion files ${specs.map((c) => (c.optional ? `${c.fileName} (optional)` : c.fileName)).join(", ")}` : "no companion files"} beside ${format.fileName}` +
        (missing.length > 0 ? `; missing: ${missing.join(", ")}` : "") +
        (foreign.length > 0 ? `; not its own: ${foreign.join(", ")}` : ""),
    );
  return specs.flatMap((spec) =>
    Object.hasOwn(given, spec.fileName) ? [{ spec, bytes: given[spec.fileName]! }] : [],
  );
}

/** Writes one file and checks the store kept the bytes it was given. */
async function storeFile(
  ctx: RegistryContext,
  key: string,
  bytes: Buffer,
  options: { contentType: string; metadata: Record<string, string> },
  what: string,
): Promise<{ sha256: string; versionId: string }> {
  const sha256 = sha256Hex(bytes);
  const put = await ctx.store.put(key, bytes, options);
  if (put.sha256 !== sha256) throw new IntegrityError(`${what} was altered while being stored`);
  return { sha256, versionId: put.versionId };
}
