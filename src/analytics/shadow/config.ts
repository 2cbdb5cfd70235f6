/**
 * Where the shadow setting lives: one row of `shadow_config` that every replica re-reads,
 * so one `PUT /v1/shadow` reaches them all. A stored setting (from the API or the CLI) wins
 * over BULWARK_SHADOW / BULWARK_SHADOW_SAMPLE, which only say what runs when none is stored.
 * Setting one checks that the version exists and can detect on its own, and is audited.
 */
import type { AuditSink } from "../../audit/sink.js";
import { BulwarkError, ValidationError } from "../../core/errors.js";
import type { DatabaseHandle } from "../../db/open.js";
import { modelFormat } from "../../registry/model-formats.js";
import type { ModelRegistry } from "../../registry/registry.js";
import { parseModelRef } from "../../registry/versions.js";
import type { ShadowChoice, ShadowSetting } from "./types.js";

const ROW = "shadow";

/** `name@version` (an exact version: a stage or `latest` would move under the comparison). */
export function parseShadowRef(ref: string, what = "the shadow model"): { model: string; version: string } {
  const { name, selector } = parseModelRef(ref.trim());
  if (selector === undefined || !/^\d+\.\d+\.\d+/.test(selector))
    throw new ValidationError(`${what} must name an exact version, e.g. ${name}@1.2.0 (got "${ref}")`);
  return { model: name, version: selector };
}

export function checkSample(sample: number, what = "sample"): number {
  if (!Number.isFinite(sample) || sample < 0 || sample > 1)
    throw new ValidationError(`${what} must be a share from 0 to 1, e.g. 0.1 (got ${sample})`);
  return sample;
}

export async function readStoredShadow(db: DatabaseHandle): Promise<ShadowSetting | undefined> {
  const row = await db.db.selectFrom("shadow_config").selectAll().where("id", "=", ROW).executeTakeFirst();
  if (!row) return undefined;
  return {
    model: row.model,
    version: row.version,
    sample: Number(row.sample),
    source: "api",
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/** The setting in force: the stored one, else the environment's default, else none. */
export function effectiveShadow(
  stored: ShadowSetting | undefined,
  fromEnv: ShadowChoice | undefined,
): ShadowSetting | undefined {
  if (stored) return stored;
  return fromEnv ? { ...fromEnv, source: "env", updatedAt: null, updatedBy: null } : undefined;
}

export interface ShadowConfigDeps {
  db: DatabaseHandle;
  registry: ModelRegistry;
  audit: AuditSink;
}

/** Stores the challenger for every replica, once its version is found and can detect; audited. */
export async function setShadow(
  deps: ShadowConfigDeps,
  choice: ShadowChoice,
  actor: string,
): Promise<ShadowSetting> {
  checkSample(choice.sample);
  const v = await deps.registry.resolve(`${choice.model}@${choice.version}`);
  if (v.version !== choice.version)
    throw new ValidationError(`give an exact version of ${choice.model}, e.g. ${choice.model}@${v.version}`);
  if (!modelFormat(v.format).detector)
    throw new BulwarkError(
      "MODEL_NOT_EVALUABLE",
      `${v.ref} has format ${v.format}, which does not detect on its own: choose a version that does`,
      400,
      { ref: v.ref },
    );
  const row = {
    id: ROW,
    model: choice.model,
    version: choice.version,
    sample: choice.sample,
    updated_at: new Date().toISOString(),
    updated_by: actor,
  };
  await deps.db.db
    .insertInto("shadow_config")
    .values(row)
    .onConflict((oc) =>
      oc.column("id").doUpdateSet({
        model: row.model,
        version: row.version,
        sample: row.sample,
        updated_at: row.updated_at,
        updated_by: row.updated_by,
      }),
    )
    .execute();
  await deps.audit.record({
    actor,
    action: "shadow.set",
    target: `model:${v.ref}`,
    outcome: "success",
    details: { sample: choice.sample },
  });
  return { ...choice, source: "api", updatedAt: row.updated_at, updatedBy: actor };
}

/** Removes the stored setting (BULWARK_SHADOW, when set, applies again); audited. Whether one was stored. */
export async function clearShadow(deps: Omit<ShadowConfigDeps, "registry">, actor: string): Promise<boolean> {
  const r = await deps.db.db.deleteFrom("shadow_config").where("id", "=", ROW).executeTakeFirst();
  const removed = Number(r.numDeletedRows) > 0;
  await deps.audit.record({
    actor,
    action: "shadow.clear",
    target: "shadow",
    outcome: "success",
    details: { removed },
  });
  return removed;
}
