/**
 * Stage changes: the one place a version moves between none, staging, production and
 * archived. Exactly one production version per model, whatever number of processes
 * promote at once: the model's rows are locked (PostgreSQL) or the write lock taken up
 * front (SQLite), the previous production version is archived in the same transaction,
 * and a partial unique index refuses anything that slips through. A version with a file
 * that fails its check never reaches staging or production. Every change is kept in
 * the stage history with who, when and why, and each production change leaves a snapshot
 * of the model's versions and history in the object store, under Object Lock when it has it.
 */
import { safeRecord } from "../audit/sink.js";
import { describeError, isBulwarkError } from "../core/errors.js";
import { isUniqueViolation } from "../db/errors.js";
import { newId } from "../db/ids.js";
import type { ModelStageEventsTable, ModelVersionsTable } from "../db/schema.js";
import { forUpdate, writeTransaction, type Tx } from "../db/transaction.js";
import { ModelNotFoundError, StageChangeRefusedError } from "./errors.js";
import { verify, verifyOrRefuse } from "./integrity.js";
import { history, list, previousProduction, production, resolve } from "./queries.js";
import { manifestOf, toEvent, toVersion } from "./records.js";
import { writeSnapshot, type SnapshotResult } from "./snapshot.js";
import type {
  ModelVersion,
  PromotionStage,
  RegistryContext,
  Stage,
  StageChange,
  StageEvent,
  StageOptions,
} from "./types.js";
import { validateModelName } from "./versions.js";

/** The verb a stage change is recorded under, in the stage history and as `model.<action>`. */
type StageAction = "promote" | "archive" | "rollback";

/**
 * Moves a version to any stage: the general form that `promote`, `archive` and `rollback`
 * name. Moving to staging or production first verifies its files (a version that fails
 * is refused and the current production version stays); a production change archives the
 * previous production version in the same transaction and writes a registry snapshot.
 * The production version itself never moves elsewhere: promote another or roll back.
 */
export async function setStage(
  ctx: RegistryContext,
  ref: string | ModelVersion,
  stage: Stage,
  options: StageOptions = {},
  action: StageAction = stage === "archived" ? "archive" : "promote",
): Promise<StageChange> {
  const target = typeof ref === "string" ? await resolve(ctx, ref) : ref;
  if (stage === "production" || stage === "staging") await verifyOrRefuse(ctx, target, `model.${action}`);
  const at = new Date().toISOString();
  let result: Moved;
  try {
    result = await writeTransaction(
      ctx.db,
      (tx) => move(ctx, tx, target, stage, action, options.reason ?? null, at, options.ifNoProduction),
      { retryOn: isUniqueViolation },
    );
  } catch (err) {
    await safeRecord(ctx.audit, {
      actor: ctx.actor,
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
      change.snapshot = await snapshot(ctx, target.name, result.event);
      await ctx.db.db
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
  await safeRecord(ctx.audit, {
    actor: ctx.actor,
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

/** To staging, or to production (the default) in place of the current production version. */
export function promote(
  ctx: RegistryContext,
  ref: string | ModelVersion,
  stage: PromotionStage = "production",
  options: StageOptions = {},
): Promise<StageChange> {
  return setStage(ctx, ref, stage, options, "promote");
}

/** Out of use; refused for the production version. */
export function archive(
  ctx: RegistryContext,
  ref: string | ModelVersion,
  options: { reason?: string } = {},
): Promise<StageChange> {
  return setStage(ctx, ref, "archived", options, "archive");
}

/**
 * Puts back the version that was in production before the current one (or `to`),
 * provided its files still verify; the current one is archived.
 */
export async function rollback(
  ctx: RegistryContext,
  name: string,
  options: { to?: string; reason?: string } = {},
): Promise<StageChange> {
  validateModelName(name);
  const current = await production(ctx, name);
  let target: ModelVersion | undefined;
  if (options.to) target = await resolve(ctx, `${name}@${options.to}`);
  else {
    for (const candidate of await previousProduction(ctx, name, current?.version)) {
      if ((await verify(ctx, candidate)).ok) {
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
  return setStage(ctx, target, "production", options.reason ? { reason: options.reason } : {}, "rollback");
}

type Moved = { version: ModelVersion; demoted?: ModelVersion; event: StageEvent | null };

/** The stage change itself, inside the write transaction. */
async function move(
  ctx: RegistryContext,
  tx: Tx,
  target: ModelVersion,
  stage: Stage,
  action: StageAction,
  reason: string | null,
  at: string,
  ifNoProduction = false,
): Promise<Moved> {
  // Lock the model's rows (PostgreSQL); SQLite's IMMEDIATE transaction already excludes writers.
  let q = tx.selectFrom("model_versions").selectAll().where("name", "=", target.name);
  if (forUpdate(ctx.db)) q = q.forUpdate();
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
        .set({ stage: "archived", stage_changed_at: at, stage_changed_by: ctx.actor })
        .where("id", "=", prod.id)
        .execute();
      await tx
        .insertInto("model_stage_events")
        .values(eventRow(ctx, prod, "production", "archived", "demote", reason, at))
        .execute();
      demoted = toVersion({ ...prod, stage: "archived", stage_changed_at: at, stage_changed_by: ctx.actor });
    }
  }
  await tx
    .updateTable("model_versions")
    .set({ stage, stage_changed_at: at, stage_changed_by: ctx.actor })
    .where("id", "=", target.id)
    .execute();
  const row = eventRow(ctx, current, from, stage, action, reason, at);
  await tx.insertInto("model_stage_events").values(row).execute();
  return {
    version: toVersion({ ...current, stage, stage_changed_at: at, stage_changed_by: ctx.actor }),
    ...(demoted ? { demoted } : {}),
    event: toEvent(row),
  };
}

function eventRow(
  ctx: RegistryContext,
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
    actor: ctx.actor,
    reason,
    at,
    snapshot_key: null,
    snapshot_locked: null,
  };
}

/** The model's versions and stage history as they stand after a production change. */
async function snapshot(ctx: RegistryContext, name: string, event: StageEvent): Promise<SnapshotResult> {
  const versions = await list(ctx, { name });
  const prod = versions.find((v) => v.stage === "production");
  return writeSnapshot(
    ctx.store,
    name,
    {
      kind: "bulwark-registry-snapshot",
      model: name,
      at: event.at,
      actor: event.actor,
      event,
      production: prod ? { version: prod.version, sha256: prod.sha256, artifact: prod.artifactKey } : null,
      versions: versions.map((v) => ({
        ...manifestOf(v),
        stage: v.stage,
        stageChangedAt: v.stageChangedAt,
        stageChangedBy: v.stageChangedBy,
      })),
      history: await history(ctx, name),
    },
    ctx.retention,
  );
}
