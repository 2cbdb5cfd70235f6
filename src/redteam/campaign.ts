/**
 * Running cases against a target and turning the outcome into results and training rows.
 * A target is anything that screens a batch of texts: a detector in this process, a running
 * Bulwark over its API (http-target.ts), or another HTTP detector behind a small adapter.
 */
import { createHash } from "node:crypto";
import { BulwarkError } from "../core/errors.js";
import type { Sample } from "../data/sample.js";
import type { Detector } from "../detect/types.js";
import { yieldToLoop } from "../train/yield.js";
import type { AttackCase, CaseOutcome, CaseResult } from "./types.js";

export interface CampaignTarget {
  model: { ref: string; sha256: string };
  screen(texts: readonly string[]): Promise<CaseOutcome[]>;
}

export function detectorTarget(detector: Detector, ref: string): CampaignTarget {
  return {
    model: { ref, sha256: detector.model.sha256 },
    async screen(texts) {
      const verdicts = await Promise.all(texts.map((t) => detector.detect(t, { evidence: false })));
      return verdicts.map((v) => ({ score: v.score, flagged: v.flagged, category: v.category }));
    },
  };
}

export interface RunOptions {
  /** Texts per call to the target (an HTTP target's batch limit). */
  batch?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Screens the cases in batches. Between batches the event loop gets a turn, so a campaign
 * run by a server's in-process job never holds its requests for more than one batch.
 */
export async function runCampaign(
  target: CampaignTarget,
  cases: Iterable<AttackCase>,
  o: RunOptions & { total?: number } = {},
): Promise<CaseResult[]> {
  const batch = o.batch ?? 64;
  const total = o.total ?? (Array.isArray(cases) ? cases.length : 0);
  const results: CaseResult[] = [];
  for (const slice of batches(cases, batch)) {
    if (o.signal?.aborted) throw new BulwarkError("CANCELLED", "the campaign was cancelled", 409);
    const outcomes = await target.screen(slice.map((c) => c.text));
    if (outcomes.length !== slice.length)
      throw new Error(`the target answered ${outcomes.length} verdicts for ${slice.length} texts`);
    slice.forEach((c, j) => {
      const v = outcomes[j]!;
      results.push({
        ...c,
        score: v.score,
        flagged: v.flagged,
        detectedCategory: v.category,
        miss: c.label === 1 ? !v.flagged : v.flagged,
      });
    });
    o.onProgress?.(results.length, total);
    await yieldToLoop();
  }
  return results;
}

function* batches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let slice: T[] = [];
  for (const item of items) {
    slice.push(item);
    if (slice.length === size) {
      yield slice;
      slice = [];
    }
  }
  if (slice.length) yield slice;
}

/**
 * A case as a training row. Cases of one generator built from the same parts are versions
 * of one item (the same goal in several disguises), so they share a group and fall on the
 * same side of a split.
 */
export function caseToSample(c: AttackCase, source = "redteam"): Sample {
  const group = createHash("sha256")
    .update(`${c.generator}\u0000${c.parts.join("\u0000")}`)
    .digest("hex")
    .slice(0, 16);
  return { text: c.text, label: c.label, category: c.category, source, lang: null, group };
}
