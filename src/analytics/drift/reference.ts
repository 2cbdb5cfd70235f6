/**
 * The reference side of drift: the profile of a model's validation data, scored by that
 * model. It is recorded with the version when a model is trained (learn/training-run.ts
 * puts it in the version's metrics as `driftReference`); for a version without one (the
 * model shipped in the package, registered on first start; versions older than drift) it
 * is computed on demand from the version's recorded data and split parameters, when that
 * data can still be found unchanged (SHA-256 checked), and kept in memory for the process.
 * Otherwise there is no reference, and drift says why rather than guessing.
 *
 * Profiling runs the model on each validation text (evidence included, as in service) and
 * identifies its language; at most REFERENCE_MAX_ROWS texts, evenly spread, are profiled.
 */
import type { DatasetCatalog } from "../../data/datasets.js";
import { resolveInputs } from "../../data/inputs.js";
import type { Sample } from "../../data/sample.js";
import type { Detector } from "../../detect/types.js";
import { modelFormat } from "../../registry/model-formats.js";
import type { ModelRegistry, ModelVersion } from "../../registry/registry.js";
import { DEFAULT_PARAMS } from "../../train/params.js";
import { groupSplit } from "../../train/split.js";
import { languageIdentifier } from "../../text/language.js";
import { evidenceIds } from "../events/rows.js";
import { addObservation, emptyProfile, parseProfile, type Profile } from "./profile.js";

/** Where a version's metrics keep its reference profile. */
export const REFERENCE_METRIC = "driftReference";
/** Validation texts profiled at most. */
export const REFERENCE_MAX_ROWS = 20_000;
/** Texts profiled between two yields to the event loop (a server computes this on demand): a few ms. */
const ROWS_PER_SLICE = 10;

export type Reference =
  | { available: true; source: "recorded" | "computed"; profile: Profile }
  | { available: false; reason: string };

/** The validation rows of a training run's data, as the in-memory trainer splits it. */
export function validationRows(
  samples: readonly Sample[],
  params: { validationFraction?: number; seed?: number },
): Sample[] {
  const fraction = params.validationFraction ?? DEFAULT_PARAMS.validationFraction;
  const seed = params.seed ?? DEFAULT_PARAMS.seed;
  return groupSplit(samples, fraction, seed).validation;
}

/** At most `max` rows, evenly spread over the list (deterministic). */
function spread<T>(rows: readonly T[], max: number): T[] {
  if (rows.length <= max) return [...rows];
  const step = rows.length / max;
  return Array.from({ length: max }, (_, i) => rows[Math.floor(i * step)]!);
}

/** The profile of texts as `detector` screens them (the reference of its validation data). */
export async function profileTexts(
  detector: Detector,
  texts: readonly string[],
  maxRows = REFERENCE_MAX_ROWS,
): Promise<Profile> {
  const identify = await languageIdentifier();
  const profile = emptyProfile();
  const chosen = spread(texts, maxRows);
  for (let i = 0; i < chosen.length; i++) {
    if (i > 0 && i % ROWS_PER_SLICE === 0) await new Promise((r) => setImmediate(r));
    const text = chosen[i]!;
    const v = await detector.detect(text);
    addObservation(profile, {
      score: v.score,
      length: text.length,
      lang: identify(text),
      evidence: evidenceIds(v.evidence),
      flagged: v.flagged,
    });
  }
  return profile;
}

/** The reference recorded with a version, if any (and in today's bins). */
export function recordedReference(v: ModelVersion): Profile | undefined {
  return parseProfile(v.metrics[REFERENCE_METRIC]);
}

export interface ReferenceDeps {
  registry: ModelRegistry;
  catalog: DatasetCatalog;
}

const computed = new Map<string, Promise<Reference>>();

/** The version's reference: recorded, else computed once per process from its data, else none and why. */
export function referenceOf(deps: ReferenceDeps, v: ModelVersion): Promise<Reference> {
  const recorded = recordedReference(v);
  if (recorded) return Promise.resolve({ available: true, source: "recorded", profile: recorded });
  const key = `${v.id}:${v.sha256}`;
  let r = computed.get(key);
  if (!r) {
    r = computeReference(deps, v).catch((err: unknown) => {
      computed.delete(key);
      throw err;
    });
    computed.set(key, r);
  }
  return r;
}

async function computeReference(deps: ReferenceDeps, v: ModelVersion): Promise<Reference> {
  if (v.datasets.length === 0)
    return {
      available: false,
      reason: `${v.ref} records no training data, so its validation data is unknown`,
    };
  const samples: Sample[] = [];
  for (const d of v.datasets) {
    const ref = d.id ?? d.name;
    let inputs;
    try {
      inputs = await resolveInputs(deps.catalog, [ref]);
    } catch {
      return {
        available: false,
        reason: `${v.ref} was trained on ${d.name}, which this installation cannot find`,
      };
    }
    for (const input of inputs) {
      for await (const s of input.samples()) samples.push(s);
      if (input.lineage.sha256 !== d.sha256)
        return {
          available: false,
          reason: `${d.name} changed since ${v.ref} was trained on it (SHA-256 differs), so its validation data is gone`,
        };
    }
  }
  const validation = validationRows(samples, v.params as { validationFraction?: number; seed?: number });
  if (validation.length === 0)
    return { available: false, reason: `${v.ref}'s data leaves no validation rows` };
  const format = modelFormat(v.format);
  if (!format.detector)
    return { available: false, reason: `${v.ref} has format ${v.format}, which does not detect` };
  const { model } = await deps.registry.load(v);
  const profile = await profileTexts(
    format.detector(model),
    validation.map((s) => s.text),
  );
  return { available: true, source: "computed", profile };
}
