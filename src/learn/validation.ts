/**
 * The validation suite both models are judged on: the rows the champion held out of its
 * own training, minus any text either model trained on. The trainer's split is
 * deterministic (by related-text group and seed), so splitting the champion's data again
 * gives exactly its held-out rows; splitting the challenger's data (the same rows plus the
 * campaign's) gives the challenger's. A row can still change sides between the two: added
 * rows of a source the base data already has (the campaign's cases beside the corpus's own
 * red-team source, or an earlier cycle's) can join a group and move its root. So the suite
 * is not assumed clean; it is made clean, and the report says how many rows that took.
 */
import type { Sample } from "../data/sample.js";
import { normaliseForDedup } from "../data/merge.js";
import { groupSplit } from "../train/split.js";
import type { ValidationLeakReport } from "./types.js";

export interface SplitParams {
  seed: number;
  validationFraction: number;
}

export interface ValidationSuite {
  samples: Sample[];
  report: ValidationLeakReport;
  /** Normalised texts of the held-out rows: what no added row may copy. */
  texts: Set<string>;
}

/** The champion's held-out rows; `texts` guards the challenger's data before it exists. */
export function heldOutRows(champion: readonly Sample[], params: SplitParams): ValidationSuite {
  const split = groupSplit(champion, params.validationFraction, params.seed);
  const trained = new Set(split.train.map((s) => normaliseForDedup(s.text)));
  const samples = split.validation.filter((s) => !trained.has(normaliseForDedup(s.text)));
  const trainedByChampion = split.validation.length - samples.length;
  return {
    samples,
    texts: new Set(split.validation.map((s) => normaliseForDedup(s.text))),
    report: {
      heldOut: split.validation.length,
      trainedByChampion,
      trainedByChallenger: 0,
      rows: samples.length,
    },
  };
}

/** Removes the rows the challenger's own split trains on (see the header for why any can). */
export function withoutChallengerTraining(
  suite: ValidationSuite,
  challenger: readonly Sample[],
  params: SplitParams,
): ValidationSuite {
  const split = groupSplit(challenger, params.validationFraction, params.seed);
  const trained = new Set(split.train.map((s) => normaliseForDedup(s.text)));
  const samples = suite.samples.filter((s) => !trained.has(normaliseForDedup(s.text)));
  return {
    samples,
    texts: suite.texts,
    report: {
      ...suite.report,
      trainedByChallenger: suite.samples.length - samples.length,
      rows: samples.length,
    },
  };
}
