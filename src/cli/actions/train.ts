/** `bulwark train`: a model version trained, registered and recorded as a run. */
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { withWorkspace } from "../../app/workspace.js";
import { stderrAuditSink } from "../../audit/sink.js";
import { loadConfig } from "../../core/config.js";
import { loadRulesFile } from "../../detect/rules.js";
import { trainRun } from "../../learn/training-run.js";
import type { Stage } from "../../registry/types.js";
import type { Bump } from "../../registry/versions.js";
import { writeFileAtomic } from "../../storage/fs/atomic.js";
import { fmt, table } from "../format.js";
import { printJson, printLine } from "../output.js";
import { createProgress } from "../progress.js";
import { parseParams } from "../train-params.js";

interface TrainOpts {
  data?: string[];
  name: string;
  modelVersion?: string;
  bump: Bump;
  promote?: Stage | true;
  description?: string;
  output?: string;
  rules?: string;
  params?: string;
  seed?: number;
  epochs?: number;
  json?: boolean;
  skipInvalid?: boolean;
  allowPersonalData?: boolean;
}

export async function train(opts: TrainOpts): Promise<void> {
  const params = parseParams(opts.params, opts.seed, opts.epochs);
  const progress = createProgress(!opts.json && process.stderr.isTTY === true);
  let phase = "";
  const r = await withWorkspace(
    loadConfig(),
    (ctx) =>
      trainRun(ctx, {
        data: opts.data ?? [],
        name: opts.name,
        ...(opts.modelVersion ? { version: opts.modelVersion } : {}),
        bump: opts.bump,
        params,
        rules: loadRulesFile(opts.rules),
        skipInvalid: opts.skipInvalid,
        allowPersonalData: opts.allowPersonalData === true,
        onWarning: (message) => process.stderr.write(`bulwark: warning: ${message}\n`),
        ...(opts.promote ? { stage: opts.promote === true ? "production" : opts.promote } : {}),
        ...(opts.description ? { description: opts.description } : {}),
        onProgress: (p) => {
          const label = p.epoch ? `${p.phase} (epoch ${p.epoch})` : p.phase;
          if (p.phase !== phase) {
            phase = p.phase;
            progress.start(p.total, label);
          }
          progress.update(p.done, label);
        },
      }),
    { audit: stderrAuditSink() },
  ).finally(() => progress.stop());
  if (opts.output) {
    const target = resolve(opts.output);
    await mkdir(dirname(target), { recursive: true });
    await writeFileAtomic(target, r.result.artifact, dirname(target));
  }
  const v = r.version;
  const report = r.result.report;
  const rows = r.datasets.reduce((n, d) => n + d.rows, 0);
  if (opts.json) {
    printJson({
      runId: r.run.id,
      model: { name: v.name, version: v.version, ref: v.ref, sha256: v.sha256, stage: v.stage },
      name: v.name,
      version: v.version,
      sha256: v.sha256,
      artifact: v.artifactKey,
      output: opts.output ?? null,
      bytes: v.size,
      rows,
      skippedRows: r.skippedRows,
      durationMs: r.run.durationMs,
      threshold: report.threshold,
      validation: report,
      params: r.result.params,
      datasets: r.datasets,
      stage: v.stage,
      ...(r.stageChange?.snapshot ? { snapshot: r.stageChange.snapshot } : {}),
    });
    return;
  }
  printLine(`model     ${v.ref} (${v.stage === "none" ? "not promoted" : v.stage})`);
  printLine(`run       ${r.run.id}`);
  printLine(`sha256    ${v.sha256}`);
  printLine(`artifact  ${v.artifactKey}${opts.output ? ` and ${opts.output}` : ""}`);
  printLine(
    `data      ${r.datasets.map((d) => (d.version ? `${d.name}@${d.version}` : d.name)).join(", ")}: ${rows} rows${r.skippedRows ? ` (${r.skippedRows} invalid skipped)` : ""}, trained in ${((r.run.durationMs ?? 0) / 1000).toFixed(1)} s`,
  );
  const pct = (x: number) => `${+(x * 100).toFixed(1)}%`;
  const used = r.result.params;
  const held = report.heldOutSources;
  printLine(
    `threshold ${report.threshold.toFixed(4)} (at most ${pct(used.maxFpr)} false positives on validation` +
      (held
        ? ` and ${pct(used.heldOutMaxFpr ?? 0)} on average over sources held out whole in ${held.groups.length} folds, where recall is ${fmt(held.overall.recall)})`
        : ")"),
  );
  printLine("");
  printLine("validation split (by related-text groups):");
  const o = report.overall;
  printLine(
    table(
      ["accuracy", "precision", "recall", "F1", "ROC-AUC", "TPR@1%FPR", "FPR", "category acc."],
      [
        [
          fmt(o.accuracy),
          fmt(o.precision),
          fmt(o.recall),
          fmt(o.f1),
          fmt(o.rocAuc),
          fmt(o.tprAt1Fpr),
          fmt(o.fpr),
          fmt(report.categoryAccuracy),
        ],
      ],
    ),
  );
  if (v.stage === "none") {
    printLine();
    printLine(`promote it with: bulwark models promote ${v.ref}`);
  }
}
