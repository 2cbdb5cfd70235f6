/**
 * `bulwark models ensemble create`: an ensemble registered as a version of its own, whose
 * artifact is the manifest naming its members by name@version with their SHA-256s. Every
 * member must exist, detect on its own, not be an ensemble itself, and pass its check now.
 */
import { IntegrityError, ValidationError } from "../core/errors.js";
import type { Combine } from "../detect/ensemble.js";
import { ENSEMBLE_FORMAT, parseEnsembleSpec, type EnsembleSpec } from "./ensemble-format.js";
import { modelFormat } from "./model-formats.js";
import type { ModelRegistry } from "./registry.js";
import type { ModelVersion } from "./types.js";
import { validateModelName } from "./versions.js";

export interface EnsembleInput {
  name: string;
  version?: string;
  /** Member references (name@version, or name@stage: recorded as the version it is now). */
  members: string[];
  combine: Combine;
  /** One per member, for `weighted`. */
  weights?: number[];
  /** The combined score's threshold (mean and weighted). */
  threshold?: number;
  description?: string;
}

export async function createEnsemble(registry: ModelRegistry, input: EnsembleInput): Promise<ModelVersion> {
  const name = validateModelName(input.name);
  const others = await registry.list({ name });
  const foreign = others.find((v) => v.format !== ENSEMBLE_FORMAT);
  if (foreign)
    throw new ValidationError(
      `${name} already holds ${foreign.format} versions: give the ensemble a name of its own`,
    );
  if (input.weights && input.combine !== "weighted")
    throw new ValidationError(`weights are for --combine weighted, not ${input.combine}`);
  if (input.combine === "weighted" && input.weights?.length !== input.members.length)
    throw new ValidationError(`--combine weighted needs one weight per member (${input.members.length})`);
  const members: ModelVersion[] = [];
  for (const ref of input.members) {
    const v = await registry.resolve(ref);
    if (v.name === name) throw new ValidationError(`the ensemble ${name} cannot be a member of itself`);
    if (v.format === ENSEMBLE_FORMAT)
      throw new ValidationError(`${v.ref} is an ensemble: name its members instead`);
    if (!modelFormat(v.format).detector)
      throw new ValidationError(`${v.ref} (format ${v.format}) does not detect on its own`);
    members.push(v);
  }
  for (const r of await registry.verifyMany(members))
    if (!r.ok) throw new IntegrityError(`member ${r.ref} fails its check: ${r.problem}`, { ref: r.ref });
  const spec: EnsembleSpec = parseEnsembleSpec({
    format: ENSEMBLE_FORMAT,
    combine: input.combine,
    ...(input.threshold !== undefined ? { threshold: input.threshold } : {}),
    members: members.map((v, i) => ({
      ref: v.ref,
      sha256: v.sha256,
      ...(input.combine === "weighted" ? { weight: input.weights![i] } : {}),
    })),
  });
  return registry.register({
    name,
    ...(input.version !== undefined ? { version: input.version } : {}),
    format: ENSEMBLE_FORMAT,
    artifact: Buffer.from(`${JSON.stringify(spec, null, 2)}\n`),
    params: {
      combine: spec.combine,
      members: spec.members.map((m) => m.ref),
      ...(input.weights ? { weights: input.weights } : {}),
      ...(spec.threshold !== undefined ? { threshold: spec.threshold } : {}),
    },
    ...(input.description !== undefined ? { description: input.description } : {}),
  });
}
