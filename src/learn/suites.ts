/**
 * The fixed suites a champion and its challenger are judged on, beside the validation
 * split (validation.ts): the frozen red-team suite's attacks, and the hard negatives (the
 * frozen suite's benign look-alikes plus the hand-written sanity suite's benign texts when
 * the checkout has it). The frozen suite is built from a seed no campaign uses and never
 * enters training (combine.ts drops any row whose text is in it), so a challenger cannot
 * win by having seen the exam.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../core/paths.js";
import { loadSamples } from "../data/files.js";
import type { Sample } from "../data/sample.js";
import { caseToSample } from "../redteam/campaign.js";
import { frozenSuite } from "../redteam/suites.js";

export interface EvaluationSuite {
  name: string;
  description: string;
  samples: Sample[];
}

/** The hand-written over-defence suite; in a source checkout, not in the npm package. */
export const SANITY_SUITE_FILE = join(PACKAGE_ROOT, "bench", "fixtures", "sanity.jsonl");

let frozen: Sample[] | undefined;

/** The frozen red-team suite as samples (built once per process: it never changes). */
export function frozenSamples(): Sample[] {
  frozen ??= frozenSuite().map((c) => caseToSample(c, "redteam-frozen"));
  return frozen;
}

/** The red-team suites: frozen attacks, and hard negatives (frozen and hand-written). */
export async function redTeamSuites(): Promise<EvaluationSuite[]> {
  const all = frozenSamples();
  const sanity = existsSync(SANITY_SUITE_FILE)
    ? (await loadSamples([SANITY_SUITE_FILE])).filter((s) => s.label === 0)
    : [];
  return [
    {
      name: "frozen",
      description: "the frozen red-team suite's attacks (a reserved seed; never trained on)",
      samples: all.filter((s) => s.label === 1),
    },
    {
      name: "hard-negatives",
      description: `benign texts that look dangerous: the frozen suite's hard negatives${sanity.length ? " and the hand-written sanity suite's benign texts" : ""}`,
      samples: [...all.filter((s) => s.label === 0), ...sanity],
    },
  ];
}
