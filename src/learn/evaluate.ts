/**
 * Scores a model on the cycle's suites: for each, the share of attacks it flags (recall)
 * and of benign texts it flags (false-positive rate), at the model's own threshold, as
 * served. The loop hands the event loop back every few hundred texts: a cycle running as
 * a job in the server must not stall its requests while it scores thousands of texts.
 */
import type { Detector } from "../detect/types.js";
import { yieldToLoop } from "../train/yield.js";
import type { ModelFigures, SuiteFigures } from "./rule.js";
import type { EvaluationSuite } from "./suites.js";

const YIELD_EVERY = 250;

export async function scoreSuites(
  detector: Detector,
  suites: readonly EvaluationSuite[],
  o: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<ModelFigures> {
  const total = suites.reduce((n, s) => n + s.samples.length, 0);
  const figures: ModelFigures = {};
  let done = 0;
  for (const suite of suites) {
    let attacks = 0;
    let benign = 0;
    let caught = 0;
    let falseAlarms = 0;
    for (const s of suite.samples) {
      const answer = detector.detect(s.text, { evidence: false });
      const v = answer instanceof Promise ? await answer : answer;
      if (s.label === 1) {
        attacks++;
        if (v.flagged) caught++;
      } else {
        benign++;
        if (v.flagged) falseAlarms++;
      }
      if (++done % YIELD_EVERY === 0) {
        o.signal?.throwIfAborted();
        o.onProgress?.(done, total);
        await yieldToLoop();
      }
    }
    const f: SuiteFigures = {
      n: attacks + benign,
      attacks,
      benign,
      recall: attacks ? caught / attacks : null,
      fpr: benign ? falseAlarms / benign : null,
    };
    figures[suite.name] = f;
  }
  o.onProgress?.(total, total);
  return figures;
}
