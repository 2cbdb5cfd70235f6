/**
 * The challenger's data: the champion's training data, then the campaign's failures
 * (bypasses as attacks, over-defended hard negatives as benign), then any extra rows
 * (accepted user reports). Pure, so the guards can be tested on their own:
 * - no row of any kind whose text is in the frozen red-team suite;
 * - no added row that copies an evaluation text (the validation split, the other suites):
 *   learning a test answer is not learning;
 * - added rows are deduplicated (NFKC, case, whitespace) against the base and each other;
 *   on a text seen before, the first row wins and a different label counts as a conflict.
 * The base rows are kept as the champion trained on them, so the trainer's deterministic
 * split holds out the same rows for the challenger, but where an added row joins a base
 * row's group (validation.ts removes those from the suite).
 */
import { normaliseForDedup } from "../data/merge.js";
import type { Sample } from "../data/sample.js";
import type { CombineCounts } from "./types.js";

export interface CombineInput {
  base: readonly Sample[];
  campaign: readonly Sample[];
  extra: readonly Sample[];
  /** Whether a text is in the frozen red-team suite (exact membership after normalisation). */
  isFrozen: (text: string) => boolean;
  /** Normalised (normaliseForDedup) texts no added row may copy. */
  evaluationTexts: ReadonlySet<string>;
}

export interface Combined {
  rows: Sample[];
  counts: CombineCounts;
}

export function combine(input: CombineInput): Combined {
  const counts: CombineCounts = {
    baseRows: input.base.length,
    campaignRows: input.campaign.length,
    extraRows: input.extra.length,
    duplicates: 0,
    conflicts: 0,
    frozen: 0,
    evaluation: 0,
    rows: 0,
  };
  const rows: Sample[] = [];
  const labels = new Map<string, 0 | 1>();
  for (const s of input.base) {
    if (input.isFrozen(s.text)) {
      counts.frozen++;
      continue;
    }
    const key = normaliseForDedup(s.text);
    if (!labels.has(key)) labels.set(key, s.label);
    rows.push(s);
  }
  for (const s of [...input.campaign, ...input.extra]) {
    if (input.isFrozen(s.text)) {
      counts.frozen++;
      continue;
    }
    const key = normaliseForDedup(s.text);
    if (input.evaluationTexts.has(key)) {
      counts.evaluation++;
      continue;
    }
    const seen = labels.get(key);
    if (seen !== undefined) {
      counts.duplicates++;
      if (seen !== s.label) counts.conflicts++;
      continue;
    }
    labels.set(key, s.label);
    rows.push(s);
  }
  counts.rows = rows.length;
  return { rows, counts };
}
