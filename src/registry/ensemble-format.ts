/**
 * The ensemble format ("ensemble/1"): a version made of other versions. Its artifact is a
 * small JSON manifest naming each member by name@version with the SHA-256 it had when the
 * ensemble was made, how scores combine (max, mean, weighted) and the weights. Loading it
 * loads every member through the registry (each verified against its own SHA-256s) and
 * refuses a member that is no longer the version the ensemble was made with.
 */
import { IntegrityError, ValidationError } from "../core/errors.js";
import { COMBINERS, Ensemble, named, type Combine } from "../detect/ensemble.js";
import type { ModelRef } from "../detect/types.js";
import type { LoadedMember, ModelFormat } from "./format-types.js";

export const ENSEMBLE_FORMAT = "ensemble/1";

export interface EnsembleMemberSpec {
  /** name@version, exactly. */
  ref: string;
  sha256: string;
  /** For `weighted` only. */
  weight?: number;
}

export interface EnsembleSpec {
  format: typeof ENSEMBLE_FORMAT;
  combine: Combine;
  /** The combined score's threshold (mean and weighted). */
  threshold?: number;
  members: EnsembleMemberSpec[];
}

export interface LoadedEnsemble {
  spec: EnsembleSpec;
  ref: ModelRef;
  members: LoadedMember[];
}

const EXACT_REF = /^[a-z0-9][a-z0-9._-]{0,63}@\d{1,9}\.\d{1,9}\.\d{1,9}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Reads and checks an ensemble manifest (ValidationError when it is not one). */
export function parseEnsembleSpec(doc: unknown): EnsembleSpec {
  const d = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
  if (d.format !== ENSEMBLE_FORMAT) throw new ValidationError(`not an ${ENSEMBLE_FORMAT} manifest`);
  const combine = d.combine as Combine;
  if (!COMBINERS.includes(combine))
    throw new ValidationError(`combine must be one of ${COMBINERS.join(", ")}, not ${String(d.combine)}`);
  if (d.threshold !== undefined && !(typeof d.threshold === "number" && d.threshold > 0 && d.threshold < 1))
    throw new ValidationError("threshold must be between 0 and 1");
  if (!Array.isArray(d.members) || d.members.length < 2)
    throw new ValidationError("an ensemble names at least two members");
  const members = (d.members as unknown[]).map((m): EnsembleMemberSpec => {
    const x = (m ?? {}) as Record<string, unknown>;
    if (typeof x.ref !== "string" || !EXACT_REF.test(x.ref))
      throw new ValidationError(`member ${JSON.stringify(x.ref)} is not NAME@MAJOR.MINOR.PATCH`);
    if (typeof x.sha256 !== "string" || !SHA256.test(x.sha256))
      throw new ValidationError(`member ${x.ref} has no SHA-256`);
    if (
      x.weight !== undefined &&
      !(typeof x.weight === "number" && Number.isFinite(x.weight) && x.weight > 0)
    )
      throw new ValidationError(`member ${x.ref}: a weight must be a number above 0`);
    return { ref: x.ref, sha256: x.sha256, ...(x.weight !== undefined ? { weight: x.weight } : {}) };
  });
  const names = members.map((m) => m.ref.split("@")[0]!);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice)
    throw new ValidationError(`two members are versions of ${twice}: an ensemble holds one of each model`);
  const weighted = members.filter((m) => m.weight !== undefined).length;
  if (combine === "weighted" ? weighted !== members.length : weighted !== 0)
    throw new ValidationError(
      combine === "weighted"
        ? "a weighted ensemble gives every member a weight"
        : `a ${combine} ensemble takes no weights`,
    );
  return {
    format: ENSEMBLE_FORMAT,
    combine,
    ...(d.threshold !== undefined ? { threshold: d.threshold as number } : {}),
    members,
  };
}

/** The manifest of verified bytes; IntegrityError when they are not one. */
function parseManifest(bytes: Buffer, source: string): EnsembleSpec {
  try {
    return parseEnsembleSpec(JSON.parse(bytes.toString("utf8")));
  } catch (err) {
    throw new IntegrityError(`${source} is not an ensemble manifest: ${(err as Error).message}`);
  }
}

export const ensembleFormat: ModelFormat<LoadedEnsemble> = {
  format: ENSEMBLE_FORMAT,
  family: "ensemble",
  fileName: "ensemble.json",
  contentType: "application/json",
  async load(bytes, source, _companions, context) {
    const spec = parseManifest(bytes, source);
    if (!context) throw new IntegrityError(`${source}: an ensemble is loaded through the registry`);
    const members: LoadedMember[] = [];
    for (const m of spec.members) {
      const member = await context.member(m.ref);
      if (member.version.format === ENSEMBLE_FORMAT)
        throw new IntegrityError(`${source}: member ${m.ref} is itself an ensemble`);
      if (member.version.sha256 !== m.sha256)
        throw new IntegrityError(
          `${source}: member ${m.ref} has SHA-256 ${member.version.sha256}, not the ${m.sha256} it had when the ensemble was made`,
        );
      members.push(member);
    }
    const { name, version, sha256 } = context.version;
    return { spec, ref: { name, version, sha256 }, members };
  },
  detector: (model, options = {}) => {
    const threshold = options.threshold ?? model.spec.threshold;
    return new Ensemble(
      model.members.map((m) => named(m.detector, m.version.name)),
      {
        combine: model.spec.combine,
        ...(model.spec.combine === "weighted" ? { weights: model.spec.members.map((m) => m.weight!) } : {}),
        ...(threshold !== undefined ? { threshold } : {}),
        model: model.ref,
      },
    );
  },
  members: (artifact) =>
    parseManifest(artifact, "the ensemble manifest").members.map(({ ref, sha256 }) => ({ ref, sha256 })),
};
