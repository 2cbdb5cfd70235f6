/**
 * Drift of the production model's live traffic from its validation data: per feature, the
 * population stability index (psi.ts) of the live profile (live.ts) against the reference
 * profile (reference.ts), with both histograms so a reader sees which bins moved. A
 * feature's PSI is null when a side has fewer than MIN_ROWS texts for it: a handful of
 * events would read as drift however the model is doing.
 */
import type { DatabaseHandle } from "../../db/open.js";
import type { Range } from "../aggregates.js";
import { liveProfile, LIVE_MAX_ROWS } from "./live.js";
import { BINS, DRIFT_FEATURES, type DriftFeature, type Profile } from "./profile.js";
import { psi } from "./psi.js";
import { referenceOf, type ReferenceDeps } from "./reference.js";

/** Texts a side needs in a feature before its PSI means anything. */
export const MIN_ROWS = 100;
/** The customary PSI readings (also the alert rule's warning and critical levels). */
export const PSI_MODERATE = 0.1;
export const PSI_MAJOR = 0.25;

export type DriftLevel = "stable" | "moderate" | "major" | "unknown";

export interface FeatureDrift {
  feature: DriftFeature;
  psi: number | null;
  level: DriftLevel;
  bins: { bin: string; reference: number; live: number }[];
}

export interface DriftReport {
  from: string;
  to: string;
  /** `name@version` of the production model, or null when there is none. */
  model: string | null;
  reference:
    { available: true; source: "recorded" | "computed"; rows: number } | { available: false; reason: string };
  live: { rows: number; sampled: boolean; maxRows: number; withLanguage: number };
  features: FeatureDrift[];
  /** The largest PSI of the features that have one; null when none has. */
  maxPsi: number | null;
}

export interface DriftDeps extends ReferenceDeps {
  db: DatabaseHandle;
  /** The served model's name (its production version is the one compared). */
  modelName: string;
}

export function levelOf(value: number | null): DriftLevel {
  if (value === null) return "unknown";
  return value < PSI_MODERATE ? "stable" : value < PSI_MAJOR ? "moderate" : "major";
}

export async function driftReport(deps: DriftDeps, range: Range): Promise<DriftReport> {
  const version = await deps.registry.production(deps.modelName);
  const noLive = { rows: 0, sampled: false, maxRows: LIVE_MAX_ROWS, withLanguage: 0 };
  if (!version)
    return {
      ...range,
      model: null,
      reference: { available: false, reason: `no version of ${deps.modelName} is in production` },
      live: noLive,
      features: compare(undefined, undefined),
      maxPsi: null,
    };
  const [reference, live] = await Promise.all([
    referenceOf(deps, version),
    liveProfile(deps.db, version.ref, range),
  ]);
  const features = compare(reference.available ? reference.profile : undefined, live);
  const known = features.flatMap((f) => (f.psi === null ? [] : [f.psi]));
  return {
    ...range,
    model: version.ref,
    reference: reference.available
      ? { available: true, source: reference.source, rows: reference.profile.rows }
      : reference,
    live: { rows: live.rows, sampled: live.sampled, maxRows: LIVE_MAX_ROWS, withLanguage: live.withLanguage },
    features,
    maxPsi: known.length ? Math.max(...known) : null,
  };
}

/** Each feature's PSI and bins (empty counts on a side that is missing). */
export function compare(reference: Profile | undefined, live: Profile | undefined): FeatureDrift[] {
  return DRIFT_FEATURES.map((feature) => {
    const ref = reference?.counts[feature] ?? BINS[feature].map(() => 0);
    const now = live?.counts[feature] ?? BINS[feature].map(() => 0);
    const enough = total(ref) >= MIN_ROWS && total(now) >= MIN_ROWS;
    const value = enough ? psi(ref, now) : null;
    return {
      feature,
      psi: value,
      level: levelOf(value),
      bins: BINS[feature].map((bin, i) => ({ bin, reference: ref[i]!, live: now[i]! })),
    };
  });
}

function total(counts: readonly number[]): number {
  return counts.reduce((n, c) => n + c, 0);
}
