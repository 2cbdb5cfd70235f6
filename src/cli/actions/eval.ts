/** `bulwark eval`: a model measured on labelled data, or leave-one-source-out cross-validation. */
import { writeFile } from "node:fs/promises";
import { loadBundledCorpus } from "../../data/corpus.js";
import { loadConfig } from "../../core/config.js";
import { expandInputs, loadSamples } from "../../data/files.js";
import { loadRulesFile } from "../../detect/rules.js";
import { leaveOneSourceOut } from "../../train/crossval.js";
import { evaluateDetector, type EvaluationReport } from "../../train/evaluate.js";
import type { BinaryMetrics } from "../../train/metrics.js";
import { fmt, table } from "../format.js";
import { detectorFromOptions } from "../model-option.js";
import { printJson, printLine } from "../output.js";
import { createProgress } from "../progress.js";
import { parseParams } from "../train-params.js";

interface EvalOpts {
  input?: string[];
  model?: string;
  threshold?: number;
  json?: boolean;
  report?: string;
  loso?: boolean;
  params?: string;
  skipInvalid?: boolean;
}

function metricRows(groups: Record<string, BinaryMetrics>): (string | number)[][] {
  return Object.entries(groups).map(([k, m]) => [
    k,
    m.n,
    m.positives,
    fmt(m.accuracy),
    fmt(m.precision),
    fmt(m.recall),
    fmt(m.f1),
    fmt(m.fpr),
    fmt(m.rocAuc),
    fmt(m.tprAt1Fpr),
  ]);
}

const HEADER = ["", "n", "attacks", "accuracy", "precision", "recall", "F1", "FPR", "ROC-AUC", "TPR@1%FPR"];

function printReport(r: EvaluationReport): void {
  printLine(
    `model ${r.model.name}@${r.model.version} (sha256 ${r.model.sha256.slice(0, 12)}…), threshold ${r.threshold.toFixed(4)}`,
  );
  printLine("");
  printLine(table(HEADER, metricRows({ overall: r.overall })));
  printLine(`category accuracy on flagged attacks: ${fmt(r.categoryAccuracy)}`);
  printLine(
    `latency per text: mean ${r.latency.meanMs.toFixed(4)} ms, p50 ${r.latency.p50Ms.toFixed(4)} ms, p99 ${r.latency.p99Ms.toFixed(4)} ms`,
  );
  for (const [title, groups] of [
    ["by source", r.bySource],
    ["by category", r.byCategory],
  ] as const) {
    printLine("");
    printLine(title);
    printLine(table(HEADER, metricRows(groups)));
  }
}

export async function evaluate(opts: EvalOpts): Promise<void> {
  const samples = opts.input?.length
    ? await loadSamples(expandInputs(opts.input), {
        skipInvalid: opts.skipInvalid,
        maxLineBytes: loadConfig().data.maxLineBytes,
      })
    : await loadBundledCorpus();
  const progress = createProgress(!opts.json && process.stderr.isTTY === true);
  let report: unknown;
  if (opts.loso) {
    const cv = await leaveOneSourceOut(samples, {
      rules: loadRulesFile(),
      params: parseParams(opts.params),
      onFold: (source, i, total) => {
        progress.start(total, `fold ${source}`);
        progress.update(i);
      },
    });
    progress.stop();
    report = cv;
    if (!opts.json) {
      printLine("leave-one-source-out: each source scored by a model trained without it");
      printLine(
        table(
          ["held-out source", "n", "attacks", "recall", "FPR", "ROC-AUC", "threshold"],
          cv.folds.map((f) => [
            f.source,
            f.n,
            f.positives,
            fmt(f.recall),
            fmt(f.fpr),
            fmt(f.rocAuc),
            fmt(f.threshold, 4),
          ]),
        ),
      );
      printLine("");
      const p = cv.pooled;
      printLine(
        `pooled: ROC-AUC ${fmt(p.rocAuc)}, TPR@1%FPR ${fmt(p.tprAt1Fpr)}, recall ${fmt(p.recall)}, FPR ${fmt(p.fpr)}, ` +
          `F1 ${fmt(p.f1)}; mean recall over attack sources ${fmt(cv.macroRecall)}, mean specificity over benign sources ${fmt(cv.macroSpecificity)}`,
      );
    }
  } else {
    const detector = await detectorFromOptions(opts);
    progress.start(samples.length, "evaluating");
    const r = await evaluateDetector(detector, samples, (done) => progress.update(done));
    progress.stop();
    report = r;
    if (!opts.json) printReport(r);
  }
  if (opts.report) await writeFile(opts.report, `${JSON.stringify(report, null, 2)}\n`);
  if (opts.json) printJson(report);
}
