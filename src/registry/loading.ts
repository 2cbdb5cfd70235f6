/**
 * Loading a version into something that detects: its verified files (the artifact and any
 * companion files) handed to its format's loader, with the versions it is made of (an
 * ensemble's members) loaded the same way. For the production version, what a service needs to stay up: when the artifact
 * fails its check, fall back to the most recent earlier production version that passes
 * (audited), and a long-running server keeps the model it has instead of a refused one.
 * Stages are never changed here; a refused version is left for an operator to look at.
 */
import { safeRecord } from "../audit/sink.js";
import { IntegrityError } from "../core/errors.js";
import type { LoadContext, LoadedMember } from "./format-types.js";
import { modelFormat } from "./model-formats.js";
import { verifiedFiles } from "./integrity.js";
import { previousProduction, production, resolve } from "./queries.js";
import type { LoadedModel, ModelVersion, RegistryContext } from "./types.js";

/** A loaded production version, and the refused one it stands in for after a fallback. */
export type LoadedProduction<M> = LoadedModel<M> & { fallbackFrom?: ModelVersion; refusal?: IntegrityError };

/** What a server serves after a reload: the new version, or the one it had when that was refused. */
export interface Reloaded<M> {
  loaded: LoadedModel<M> | undefined;
  changed: boolean;
  refusal?: IntegrityError;
}

/**
 * A verified, loaded model version; through the registry's model cache when it has one
 * (a version already loaded is not read again).
 */
export async function load<M = unknown>(
  ctx: RegistryContext,
  refOrVersion: string | ModelVersion,
): Promise<LoadedModel<M>> {
  const v = typeof refOrVersion === "string" ? await resolve(ctx, refOrVersion) : refOrVersion;
  const format = modelFormat(v.format);
  const model = ctx.cache
    ? await ctx.cache.get(v, format.memoryFactor ?? 1, () => loadFiles(ctx, v))
    : await loadFiles(ctx, v);
  return { version: v, model: model as M };
}

/** Reads and verifies the version's files and hands them to its format. */
async function loadFiles(ctx: RegistryContext, v: ModelVersion): Promise<unknown> {
  const files = await verifiedFiles(ctx, v);
  const context: LoadContext = { version: v, member: (ref) => loadMember(ctx, ref) };
  return modelFormat(v.format).load(files.artifact, `${v.ref} (${v.artifactKey})`, files.companions, context);
}

/** A version another is made of, loaded (and verified) with its format's detector. */
async function loadMember(ctx: RegistryContext, ref: string): Promise<LoadedMember> {
  const { version, model } = await load(ctx, ref);
  const format = modelFormat(version.format);
  if (!format.detector)
    throw new IntegrityError(`${ref} has format ${version.format}, which does not detect on its own`);
  return { version, model, detector: format.detector(model) };
}

/**
 * The production version of a model, loaded and verified. When it fails its check and
 * `fallback` is on, the most recent earlier production version that passes is loaded
 * instead (and audited), so a tampered artifact never takes detection down.
 */
export async function loadProduction<M = unknown>(
  ctx: RegistryContext,
  name: string,
  options: { fallback?: boolean } = {},
): Promise<LoadedProduction<M> | undefined> {
  const prod = await production(ctx, name);
  if (!prod) return undefined;
  try {
    return await load<M>(ctx, prod);
  } catch (err) {
    if (!(err instanceof IntegrityError) || !options.fallback) throw err;
    for (const candidate of await previousProduction(ctx, name, prod.version)) {
      try {
        const loaded = await load<M>(ctx, candidate);
        await safeRecord(ctx.audit, {
          actor: ctx.actor,
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
export async function reloadProduction<M = unknown>(
  ctx: RegistryContext,
  name: string,
  current: LoadedModel<M> | undefined,
): Promise<Reloaded<M>> {
  const prod = await production(ctx, name);
  if (!prod || (current && current.version.id === prod.id)) return { loaded: current, changed: false };
  try {
    return { loaded: await load<M>(ctx, prod), changed: true };
  } catch (err) {
    if (err instanceof IntegrityError && current) return { loaded: current, changed: false, refusal: err };
    throw err;
  }
}
