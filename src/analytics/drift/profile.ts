/**
 * What drift compares: a profile, i.e. one histogram per feature over fixed bins, of a set
 * of screened texts (a model's validation data, or live traffic). The bins are fixed here,
 * not fitted to either side, so a profile recorded when a model was trained can be
 * compared with traffic a year later, and two profiles always line up bin for bin.
 *
 * Features: the calibrated score (ten bins of 0.1), the text's length (powers of two, from
 * under 16 characters to 16,384 and over), its language (the commonest languages and
 * `other`; texts without an identified language are left out of this one feature), whether
 * the verdict found obfuscation or an encoded payload, and whether it was flagged.
 */

export const DRIFT_FEATURES = ["score", "length", "language", "obfuscation", "flagged"] as const;
export type DriftFeature = (typeof DRIFT_FEATURES)[number];

/** One screened text, as much as drift needs of it. */
export interface Observation {
  score: number;
  /** Characters (UTF-16 code units) of the whole text. */
  length: number;
  /** ISO 639 code, or null when unknown or not identified. */
  lang: string | null;
  /** Evidence ids (`kind:id`) of the verdict. */
  evidence: readonly string[];
  flagged: boolean;
}

/** Histograms over the fixed bins of each feature, and how many texts they count. */
export interface Profile {
  /** Texts profiled. */
  rows: number;
  /** Per feature, a count per bin (in BINS order). */
  counts: Record<DriftFeature, number[]>;
}

/**
 * Lower edges of the score bins after the first. Bins are found by comparison with these
 * literals (not by flooring score × 10) so SQL (live.ts) and JavaScript bin a score alike.
 */
export const SCORE_EDGES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
export const LENGTH_EDGES = [16, 32, 64, 128, 256, 512, 1_024, 2_048, 4_096, 8_192, 16_384];
/** The languages counted by name: the commonest in prompt traffic; the rest share `other`. */
export const LANGUAGES = [
  "en",
  "zh",
  "es",
  "fr",
  "de",
  "ru",
  "ja",
  "pt",
  "it",
  "ar",
  "ko",
  "hi",
  "nl",
  "tr",
  "pl",
  "vi",
];

/** Each feature's bin labels, in order. */
export const BINS: Record<DriftFeature, readonly string[]> = {
  score: Array.from({ length: 10 }, (_, i) => `${(i / 10).toFixed(1)}-${((i + 1) / 10).toFixed(1)}`),
  length: [
    `<${LENGTH_EDGES[0]}`,
    ...LENGTH_EDGES.slice(0, -1).map((lo, i) => `${lo}-${LENGTH_EDGES[i + 1]! - 1}`),
    `>=${LENGTH_EDGES[LENGTH_EDGES.length - 1]}`,
  ],
  language: [...LANGUAGES, "other"],
  obfuscation: ["no", "yes"],
  flagged: ["no", "yes"],
};

/** Evidence that says the text was disguised: normalisation found obfuscation, or a payload was decoded. */
export function isObfuscated(evidence: readonly string[]): boolean {
  return evidence.some((e) => e.startsWith("obfuscation:") || e.startsWith("payload:"));
}

/** The bin of a value among bins whose lower edges (after the first bin) are `edges`. */
export function binOf(value: number, edges: readonly number[]): number {
  let bin = 0;
  while (bin < edges.length && value >= edges[bin]!) bin++;
  return bin;
}

/** The language feature's bin of a language code (`other` for the rest). */
export function languageBin(lang: string): number {
  const i = LANGUAGES.indexOf(lang);
  return i < 0 ? LANGUAGES.length : i;
}

/** The bin of each feature for one text; null where the feature does not count it (no language). */
export function binsOf(o: Observation): Record<DriftFeature, number | null> {
  return {
    score: binOf(o.score, SCORE_EDGES),
    length: binOf(o.length, LENGTH_EDGES),
    language: o.lang === null ? null : languageBin(o.lang),
    obfuscation: isObfuscated(o.evidence) ? 1 : 0,
    flagged: o.flagged ? 1 : 0,
  };
}

export function emptyProfile(): Profile {
  const counts = {} as Record<DriftFeature, number[]>;
  for (const f of DRIFT_FEATURES) counts[f] = new Array<number>(BINS[f].length).fill(0);
  return { rows: 0, counts };
}

/** Counts one text into a profile. */
export function addObservation(p: Profile, o: Observation): void {
  p.rows++;
  const bins = binsOf(o);
  for (const f of DRIFT_FEATURES) {
    const b = bins[f];
    if (b !== null) p.counts[f][b]!++;
  }
}

export function profileOf(observations: Iterable<Observation>): Profile {
  const p = emptyProfile();
  for (const o of observations) addObservation(p, o);
  return p;
}

/**
 * A profile read back from JSON (a model version's metrics), or undefined when it is not
 * one of these bins (written by an older or newer Bulwark): a comparison over other bins
 * would mean nothing.
 */
export function parseProfile(value: unknown): Profile | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as { rows?: unknown; counts?: Record<string, unknown> };
  if (typeof v.rows !== "number" || typeof v.counts !== "object" || v.counts === null) return undefined;
  const counts = {} as Record<DriftFeature, number[]>;
  for (const f of DRIFT_FEATURES) {
    const c = v.counts[f];
    if (!Array.isArray(c) || c.length !== BINS[f].length || !c.every((n) => typeof n === "number"))
      return undefined;
    counts[f] = c as number[];
  }
  return { rows: v.rows, counts };
}
