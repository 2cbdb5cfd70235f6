/**
 * Leave-one-source-out evaluation: for each source, train on all the others and score the
 * held-out source with the model that never saw it. This estimates how the detector does
 * on data from somewhere new, which is what production looks like; a row-level split
 * would only measure memorisation of each source's style.
 */
import type { Sample } from "../data/sample.js";
import { BuiltinDetector } from "../detect/builtin.js";
import type { RulesDocument } from "../detect/rules.js";
import { FeatureCache, trainBuiltin, type TrainParams } from "./builtin-trainer.js";
import { binaryMetrics, type BinaryMetrics } from "./metrics.js";

export interface FoldResult {
  source: string;
  n: number;
  positives: number;
  negatives: number;
  threshold: number;
  /** Share of the held-out attacks flagged (null when the source has none). */
  recall: number | null;
  /** Share of the held-out benign texts flagged (null when the source has none). */
  fpr: number | null;
  rocAuc: number | null;
}

export interface CrossValidation {
  folds: FoldResult[];
  /** All held-out scores pooled: each scored by the model that did not see its source. */
  pooled: BinaryMetrics;
  /** Mean over sources of recall (attack sources) and of 1 - FPR (benign sources). */
  macroRecall: number | null;
  macroSpecificity: number | null;
}

export async function leaveOneSourceOut(
  samples: readonly Sample[],
  options: {
    rules: RulesDocument;
    params?: Partial<TrainParams>;
    onFold?: (source: string, index: number, total: number) => void;
  },
): Promise<CrossValidation> {
  const sources = [...new Set(samples.map((s) => s.source))].sort();
  const cache = new FeatureCache();
  const folds: FoldResult[] = [];
  const pooled: { score: number; label: 0 | 1; flagged: boolean }[] = [];
  for (const [index, source] of sources.entries()) {
    options.onFold?.(source, index, sources.length);
    const heldOut = samples.filter((s) => s.source === source);
    const rest = samples.filter((s) => s.source !== source);
    const { model } = await trainBuiltin(rest, {
      rules: options.rules,
      params: options.params,
      featureCache: cache,
    });
    const detector = new BuiltinDetector(model);
    const scored = heldOut.map((s) => {
      const v = detector.detect(s.text, { evidence: false });
      return { score: v.score, label: s.label, flagged: v.flagged };
    });
    pooled.push(...scored);
    const m = binaryMetrics(scored, model.meta.threshold);
    folds.push({
      source,
      n: heldOut.length,
      positives: m.positives,
      negatives: m.negatives,
      threshold: model.meta.threshold,
      recall: m.recall,
      fpr: m.fpr,
      rocAuc: m.rocAuc,
    });
  }
  // Each fold has its own threshold; pooled accuracy figures use each fold's own verdicts.
  const overall = binaryMetrics(
    pooled.map((p) => ({ score: p.flagged ? 1 : 0, label: p.label })),
    0.5,
  );
  const ranking = binaryMetrics(pooled, 0.5);
  const recalls = folds.map((f) => f.recall).filter((r): r is number => r !== null);
  const fprs = folds.map((f) => f.fpr).filter((r): r is number => r !== null);
  return {
    folds,
    pooled: { ...overall, rocAuc: ranking.rocAuc, tprAt1Fpr: ranking.tprAt1Fpr },
    macroRecall: recalls.length ? recalls.reduce((a, b) => a + b, 0) / recalls.length : null,
    macroSpecificity: fprs.length ? 1 - fprs.reduce((a, b) => a + b, 0) / fprs.length : null,
  };
}
