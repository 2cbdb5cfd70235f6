/**
 * Scores from models that never saw a text's source, for setting the threshold and the
 * calibration (`thresholdFolds`). A validation split drawn from the training sources tells
 * how the model judges more of the same; leave-one-source-out showed that a benign source
 * held out whole gets many times the false positives that split promised (BENCHMARKS.md),
 * and data from somewhere new is what a deployed detector meets. So the training sources are
 * dealt into k groups of whole sources, a model is trained on all groups but one and scores
 * that group's rows, and the pooled out-of-fold scores stand in for data from elsewhere. The
 * final model still trains on every training row; only its calibration and threshold come
 * from here (the scheme of cross-validated calibration).
 */
import { ValidationError } from "../core/errors.js";
import type { Sample } from "../data/sample.js";
import { BuiltinDetector } from "../detect/builtin.js";
import type { BuiltinModel } from "../detect/model.js";
import { eachSample, filterSource, type SampleSource } from "./sources.js";
import type { HeldOutScores, OnProgress, TrainProgress } from "./types.js";
import { yieldToLoop } from "./yield.js";

/**
 * Deals sources into at most k groups of similar size (rows), whole sources only: the largest
 * source goes first, each to the group with the fewest rows so far. Deterministic.
 */
export function dealSources(rowsBySource: ReadonlyMap<string, number>, k: number): string[][] {
  const sources = [...rowsBySource.keys()].sort(
    (a, b) => rowsBySource.get(b)! - rowsBySource.get(a)! || (a < b ? -1 : a > b ? 1 : 0),
  );
  const groups = Array.from({ length: Math.min(k, sources.length) }, () => ({
    rows: 0,
    sources: [] as string[],
  }));
  for (const source of sources) {
    let smallest = groups[0]!;
    for (const g of groups) if (g.rows < smallest.rows) smallest = g;
    smallest.sources.push(source);
    smallest.rows += rowsBySource.get(source)!;
  }
  return groups.map((g) => g.sources.sort());
}

/** The groups of whole sources `folds` asks for; refused when the data has fewer than two sources. */
export async function foldGroups(source: SampleSource, folds: number): Promise<string[][]> {
  const rowsBySource = new Map<string, number>();
  for await (const s of eachSample(source)) rowsBySource.set(s.source, (rowsBySource.get(s.source) ?? 0) + 1);
  const groups = dealSources(rowsBySource, folds);
  if (groups.length < 2) {
    throw new ValidationError(
      `thresholdFolds holds whole sources out, so it needs at least two sources in the training data; ` +
        `this data has ${groups.length}: train without thresholdFolds, or add data from another source`,
      { path: "thresholdFolds" },
    );
  }
  return groups;
}

/**
 * Trains one model per group of sources on the rows of the other groups (`trainWithout`
 * runs the ordinary training path) and scores the held-out group's rows with it.
 */
export async function heldOutScores(
  source: SampleSource,
  groups: string[][],
  trainWithout: (rows: SampleSource, progress: OnProgress) => Promise<BuiltinModel>,
  progress: OnProgress,
): Promise<HeldOutScores> {
  const sources = groups.flat().sort();
  const index = new Map(sources.map((s, i) => [s, i]));
  const out: HeldOutScores = { groups, sources, logits: [], labels: [], sourceOf: [] };
  // Progress: each fold is one unit, its training's epochs the fraction within it.
  const UNIT = 1000;
  for (const [fold, group] of groups.entries()) {
    const held = new Set(group);
    const inFold = (x: TrainProgress) => (x.phase === "train" && x.total ? x.done / x.total : 0);
    const model = await trainWithout(
      filterSource(source, (s: Sample) => !held.has(s.source)),
      (x) =>
        progress({
          phase: "folds",
          done: fold * UNIT + Math.round(UNIT * inFold(x)),
          total: groups.length * UNIT,
        }),
    );
    const detector = new BuiltinDetector(model);
    let n = 0;
    for await (const s of eachSample(source)) {
      if (!held.has(s.source)) continue;
      out.logits.push(detector.score(s.text).logit);
      out.labels.push(s.label);
      out.sourceOf.push(index.get(s.source)!);
      if (++n % 500 === 0) await yieldToLoop();
    }
  }
  progress({ phase: "folds", done: groups.length * UNIT, total: groups.length * UNIT });
  return out;
}
