/**
 * Leave-one-source-out for a cycle (off by default: two trainings per source). For each
 * named source, the champion's recipe (its data without that source) and the challenger's
 * (the combined data without it) are trained with the same parameters and scored on the
 * source they never saw: whether what the challenger learned carries over to a kind of text
 * neither saw, or only fits the red team's. Each source becomes a suite `loso-{source}`,
 * so the rule's over-defence check covers the benign ones.
 */
import { ValidationError } from "../core/errors.js";
import type { Sample } from "../data/sample.js";
import { BuiltinDetector } from "../detect/builtin.js";
import type { RulesDocument } from "../detect/rules.js";
import type { TrainOptions, TrainResult } from "../train/builtin-trainer.js";
import type { TrainParamsOverrides } from "../train/params.js";
import type { SampleSource } from "../train/sources.js";
import { scoreSuites } from "./evaluate.js";
import type { ModelFigures } from "./rule.js";
import type { EvaluationSuite } from "./suites.js";

export interface LeaveOneSourceOut {
  suites: EvaluationSuite[];
  champion: ModelFigures;
  challenger: ModelFigures;
}

/** Refuses sources the champion's data lacks, before any training. */
export function checkSources(sources: readonly string[], base: readonly Sample[]): void {
  const known = new Set(base.map((s) => s.source));
  const unknown = sources.filter((s) => !known.has(s));
  if (unknown.length)
    throw new ValidationError(
      `leave-one-source-out: ${unknown.join(", ")} is not a source of the champion's data (it has ${[...known].sort().join(", ")})`,
    );
}

export async function leaveOneSourceOut(o: {
  sources: readonly string[];
  base: readonly Sample[];
  combined: readonly Sample[];
  params: TrainParamsOverrides;
  rules: RulesDocument;
  trainer: (source: SampleSource, options: TrainOptions) => Promise<TrainResult>;
  onProgress?: (done: number, total: number, source: string) => void;
  signal?: AbortSignal;
}): Promise<LeaveOneSourceOut> {
  checkSources(o.sources, o.base);
  const out: LeaveOneSourceOut = { suites: [], champion: {}, challenger: {} };
  for (const [i, source] of o.sources.entries()) {
    o.onProgress?.(i, o.sources.length, source);
    const suite: EvaluationSuite = {
      name: `loso-${source}`,
      description: `${source}, scored by models trained without it`,
      samples: o.base.filter((s) => s.source === source),
    };
    for (const [who, rows] of [
      ["champion", o.base],
      ["challenger", o.combined],
    ] as const) {
      o.signal?.throwIfAborted();
      const trained = await o.trainer(
        rows.filter((s) => s.source !== source),
        { rules: o.rules, params: o.params },
      );
      Object.assign(out[who], await scoreSuites(new BuiltinDetector(trained.model), [suite]));
    }
    out.suites.push(suite);
  }
  o.onProgress?.(o.sources.length, o.sources.length, "");
  return out;
}
