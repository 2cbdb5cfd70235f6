/**
 * Reading the registry: versions of a model, the production one, a reference such as
 * `builtin@production` resolved to a version, and the stage history. Only versions whose
 * artifact is stored ("ready") are ever seen here; a reservation in progress is not.
 */
import { ModelNotFoundError } from "./errors.js";
import { toEvent, toVersion } from "./records.js";
import { isStage, type ModelVersion, type RegistryContext, type Stage, type StageEvent } from "./types.js";
import { formatVersion, parseModelRef, parseVersion } from "./versions.js";

/** Ready versions, by name then newest first. */
export async function list(
  ctx: RegistryContext,
  options: { name?: string; stage?: Stage } = {},
): Promise<ModelVersion[]> {
  let q = ctx.db.db.selectFrom("model_versions").selectAll().where("status", "=", "ready");
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

export async function production(ctx: RegistryContext, name: string): Promise<ModelVersion | undefined> {
  const row = await ctx.db.db
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
export async function resolve(ctx: RegistryContext, ref: string): Promise<ModelVersion> {
  const { name, selector } = parseModelRef(ref);
  let q = ctx.db.db
    .selectFrom("model_versions")
    .selectAll()
    .where("name", "=", name)
    .where("status", "=", "ready");
  if (selector && /^\d/.test(selector)) q = q.where("version", "=", formatVersion(parseVersion(selector)));
  else if (selector && isStage(selector)) q = q.where("stage", "=", selector);
  else if (selector && selector !== "latest")
    throw new ModelNotFoundError(ref, 'after "@" give a version, a stage or "latest"');
  if (!selector) {
    const prod = await production(ctx, name);
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
export async function history(ctx: RegistryContext, name: string, limit = 1000): Promise<StageEvent[]> {
  const rows = await ctx.db.db
    .selectFrom("model_stage_events")
    .selectAll()
    .where("model_name", "=", name)
    .orderBy("at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}

/** Versions that were in production before `except`, most recent first (rollback candidates). */
export async function previousProduction(
  ctx: RegistryContext,
  name: string,
  except?: string,
): Promise<ModelVersion[]> {
  const seen = new Set<string>();
  const out: ModelVersion[] = [];
  const versions = new Map((await list(ctx, { name })).map((v) => [v.version, v]));
  for (const e of await history(ctx, name)) {
    if (e.to !== "production" || e.version === except || seen.has(e.version)) continue;
    seen.add(e.version);
    const v = versions.get(e.version);
    if (v) out.push(v);
  }
  return out;
}
