/** `bulwark models ...`: the model registry from the shell. */
import { withWorkspace } from "../../app/workspace.js";
import { stderrAuditSink } from "../../audit/sink.js";
import { loadConfig } from "../../core/config.js";
import { resolveInputs } from "../../data/inputs.js";
import type { Sample } from "../../data/sample.js";
import type { ModelVersion, Stage, StageChange } from "../../registry/registry.js";
import { parseModelRef } from "../../registry/versions.js";
import { createEnsemble } from "../../registry/ensembles.js";
import { importOnnxFolder, type OnnxImportInput } from "../../registry/onnx-import.js";
import { ValidationError } from "../../core/errors.js";
import { evaluateDetector, type EvaluationReport } from "../../train/evaluate.js";
import { fmt, table } from "../format.js";
import { printJson, printLine } from "../output.js";
import { createProgress } from "../progress.js";

function withCli<T>(fn: Parameters<typeof withWorkspace<T>>[1]): Promise<T> {
  return withWorkspace(loadConfig(), fn, { audit: stderrAuditSink() });
}

function metric(v: ModelVersion, key: string): number | null {
  const m = (v.metrics.validation ?? {}) as Record<string, unknown>;
  return typeof m[key] === "number" ? (m[key] as number) : null;
}

function describeVersion(v: ModelVersion): Record<string, unknown> {
  return { ...v };
}

function printChange(c: StageChange): void {
  if (!c.event) {
    printLine(`${c.version.ref} is already ${c.version.stage}`);
    return;
  }
  printLine(
    `${c.version.ref}: ${c.event.from} -> ${c.event.to} (${c.event.action} by ${c.event.actor} at ${c.event.at})`,
  );
  if (c.demoted) printLine(`${c.demoted.ref}: production -> archived`);
  if (c.snapshot)
    printLine(
      `snapshot ${c.snapshot.key} (${c.snapshot.locked ? `${c.snapshot.mode} until ${c.snapshot.retainUntil}` : "locked: false, the bucket has no Object Lock"})`,
    );
  if (c.snapshotError)
    process.stderr.write(`bulwark: warning: the registry snapshot was not written: ${c.snapshotError}\n`);
}

export async function modelsLs(
  name: string | undefined,
  opts: { stage?: Stage; json?: boolean },
): Promise<void> {
  const list = await withCli((ctx) =>
    ctx.registry.list({ ...(name ? { name } : {}), ...(opts.stage ? { stage: opts.stage } : {}) }),
  );
  if (opts.json) {
    printJson(list.map(describeVersion));
    return;
  }
  if (list.length === 0) {
    printLine("no model versions yet: train one with `bulwark train` (or run `bulwark demo`)");
    return;
  }
  printLine(
    table(
      ["model", "stage", "sha256", "ROC-AUC", "F1", "datasets", "created", "by"],
      list.map((v) => [
        v.ref,
        v.stage,
        v.sha256.slice(0, 12),
        fmt(metric(v, "rocAuc")),
        fmt(metric(v, "f1")),
        v.datasets
          .map((d) => (d.version ? `${d.name}@${d.version}` : d.name))
          .join(" ")
          .slice(0, 40),
        v.createdAt.slice(0, 19).replace("T", " "),
        v.createdBy,
      ]),
    ),
  );
}

export async function modelsShow(ref: string, opts: { json?: boolean }): Promise<void> {
  const { version: v, history } = await withCli(async (ctx) => {
    const version = await ctx.registry.resolve(ref);
    const history = (await ctx.registry.history(version.name)).filter((e) => e.version === version.version);
    return { version, history };
  });
  if (opts.json) {
    printJson({ ...describeVersion(v), history });
    return;
  }
  printLine(`${v.ref}  (${v.stage})`);
  printLine(`  family     ${v.family}, format ${v.format}`);
  printLine(`  artifact   ${v.artifactKey} (${v.size} bytes)`);
  printLine(`  sha256     ${v.sha256}`);
  printLine(`  created    ${v.createdAt} by ${v.createdBy}`);
  if (v.stageChangedAt) printLine(`  stage set  ${v.stageChangedAt} by ${v.stageChangedBy}`);
  if (v.retrainRequired)
    printLine(`  RETRAIN    required: ${v.retrainReason ?? "data it was trained on was erased"}`);
  printLine(`  parent     ${v.parentVersion ?? "-"}`);
  printLine(`  run        ${v.runId ?? "-"}`);
  for (const d of v.datasets)
    printLine(
      `  dataset    ${d.version ? `${d.name}@${d.version}` : d.name} ${d.id ? `(${d.id}) ` : ""}${d.rows} rows, sha256 ${d.sha256.slice(0, 16)}…`,
    );
  printLine(
    `  validation ROC-AUC ${fmt(metric(v, "rocAuc"))}, TPR@1%FPR ${fmt(metric(v, "tprAt1Fpr"))}, F1 ${fmt(metric(v, "f1"))}, FPR ${fmt(metric(v, "fpr"))}, threshold ${fmt(metric(v, "threshold"), 4)}`,
  );
  if (v.description) printLine(`  note       ${v.description}`);
  for (const e of history.slice().reverse())
    printLine(
      `  history    ${e.at} ${e.from} -> ${e.to} (${e.action}) by ${e.actor}${e.reason ? `: ${e.reason}` : ""}`,
    );
}

export async function modelsPromote(
  ref: string,
  opts: { stage: Stage; reason?: string; json?: boolean },
): Promise<void> {
  const change = await withCli((ctx) =>
    ctx.registry.setStage(ref, opts.stage, opts.reason ? { reason: opts.reason } : {}),
  );
  if (opts.json) printJson(change);
  else printChange(change);
}

export async function modelsRollback(
  name: string,
  opts: { to?: string; reason?: string; json?: boolean },
): Promise<void> {
  const change = await withCli((ctx) =>
    ctx.registry.rollback(parseModelRef(name).name, {
      ...(opts.to ? { to: opts.to } : {}),
      ...(opts.reason ? { reason: opts.reason } : {}),
    }),
  );
  if (opts.json) printJson(change);
  else printChange(change);
}

export async function modelsArchive(ref: string, opts: { reason?: string; json?: boolean }): Promise<void> {
  const change = await withCli((ctx) =>
    ctx.registry.archive(ref, opts.reason ? { reason: opts.reason } : {}),
  );
  if (opts.json) printJson(change);
  else printChange(change);
}

export async function modelsVerify(
  ref: string | undefined,
  opts: { all?: boolean; json?: boolean },
): Promise<void> {
  const results = await withCli(async (ctx) => {
    if (!ref || opts.all) return ctx.registry.verifyAll();
    if (!ref.includes("@")) return ctx.registry.verifyAll(parseModelRef(ref).name);
    return ctx.registry.verifyMany([await ctx.registry.resolve(ref)]);
  });
  const failed = results.filter((r) => !r.ok);
  if (opts.json)
    printJson({ ok: failed.length === 0, checked: results.length, failed: failed.length, results });
  else {
    for (const r of results)
      printLine(
        `${r.ok ? "ok      " : "FAILED  "}${r.ref} (${r.stage})${r.ok ? ` sha256 ${r.expected.slice(0, 16)}…` : `: ${r.problem}`}`,
      );
    printLine(`${results.length} checked, ${failed.length} failed`);
  }
  // Exit 3 (like `detect --fail-on-flag`): the check ran and found a problem.
  if (failed.length) process.exitCode = 3;
}

export async function modelsCompare(
  a: string,
  b: string,
  opts: { data?: string[]; json?: boolean },
): Promise<void> {
  const progress = createProgress(!opts.json && process.stderr.isTTY === true);
  const out = await withCli(async (ctx) => {
    const [da, db] = await ctx.registry.detectors(a, b);
    const inputs = await resolveInputs(ctx.catalog, opts.data?.length ? opts.data : ["bundled"]);
    const samples: Sample[] = [];
    for (const input of inputs) for await (const s of input.samples()) samples.push(s);
    const evaluate = async (label: string, d: typeof da): Promise<EvaluationReport> => {
      progress.start(samples.length, label);
      const r = await evaluateDetector(d.detector, samples, (done) => progress.update(done));
      progress.stop();
      return r;
    };
    return {
      data: inputs.map((i) => i.lineage),
      a: { ref: da.version.ref, sha256: da.version.sha256, report: await evaluate(da.version.ref, da) },
      b: { ref: db.version.ref, sha256: db.version.sha256, report: await evaluate(db.version.ref, db) },
    };
  });
  const keys = ["accuracy", "precision", "recall", "f1", "fpr", "rocAuc", "tprAt1Fpr"] as const;
  const delta = Object.fromEntries(
    keys.map((k) => {
      const x = out.a.report.overall[k];
      const y = out.b.report.overall[k];
      return [k, x === null || y === null ? null : y - x];
    }),
  );
  if (opts.json) {
    printJson({ ...out, delta });
    return;
  }
  printLine(
    `evaluated on ${out.data.map((d) => (d.version ? `${d.name}@${d.version}` : d.name)).join(", ")} (${out.a.report.overall.n} texts)`,
  );
  printLine(
    table(
      ["", "threshold", ...keys],
      [
        [out.a.ref, fmt(out.a.report.threshold, 4), ...keys.map((k) => fmt(out.a.report.overall[k]))],
        [out.b.ref, fmt(out.b.report.threshold, 4), ...keys.map((k) => fmt(out.b.report.overall[k]))],
        ["b - a", "", ...keys.map((k) => fmt(delta[k] ?? null))],
      ],
    ),
  );
}

function printRegistered(v: ModelVersion, json: boolean | undefined): void {
  if (json) {
    printJson(describeVersion(v));
    return;
  }
  printLine(`registered ${v.ref} (${v.format}), sha256 ${v.sha256}`);
  for (const c of v.companions) printLine(`  ${c.file.padEnd(22)} sha256 ${c.sha256}`);
  printLine(`promote it with \`bulwark models promote ${v.ref}\``);
}

export async function modelsImport(
  dir: string,
  opts: Omit<OnnxImportInput, "dir"> & { json?: boolean },
): Promise<void> {
  const v = await withCli((ctx) =>
    importOnnxFolder(ctx.registry, {
      dir,
      ...(opts.name ? { name: opts.name } : {}),
      ...(opts.version ? { version: opts.version } : {}),
      ...(opts.file ? { file: opts.file } : {}),
      ...(opts.attackLabels ? { attackLabels: opts.attackLabels } : {}),
      ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength } : {}),
      ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
      ...(opts.description ? { description: opts.description } : {}),
    }),
  );
  printRegistered(v, opts.json);
}

export async function modelsEnsembleCreate(
  name: string,
  opts: {
    members: string[];
    combine: "max" | "mean" | "weighted";
    weights?: string[];
    threshold?: number;
    version?: string;
    description?: string;
    json?: boolean;
  },
): Promise<void> {
  const weights = opts.weights?.map((w) => {
    const n = Number(w);
    if (!Number.isFinite(n) || n <= 0) throw new ValidationError(`--weights: "${w}" is not a number above 0`);
    return n;
  });
  const v = await withCli((ctx) =>
    createEnsemble(ctx.registry, {
      name,
      members: opts.members,
      combine: opts.combine,
      ...(weights ? { weights } : {}),
      ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
      ...(opts.version ? { version: opts.version } : {}),
      ...(opts.description ? { description: opts.description } : {}),
    }),
  );
  printRegistered(v, opts.json);
}
