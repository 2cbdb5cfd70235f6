/** `bulwark runs ...`: training runs, what went into them and what came out. */
import { withWorkspace } from "../../app/workspace.js";
import { loadConfig } from "../../core/config.js";
import { compareRuns, type RunRecord, type RunStatus } from "../../train/runs.js";
import { fmt, table } from "../format.js";
import { printJson, printLine } from "../output.js";

function withRuns<T>(fn: Parameters<typeof withWorkspace<T>>[1]): Promise<T> {
  return withWorkspace(loadConfig(), fn);
}

function validation(r: RunRecord, key: string): number | null {
  const v = (r.metrics?.validation ?? {}) as Record<string, unknown>;
  return typeof v[key] === "number" ? (v[key] as number) : null;
}

function datasetsOf(r: RunRecord): string {
  return r.datasets.map((d) => (d.version ? `${d.name}@${d.version}` : d.name)).join(" ");
}

function seconds(ms: number | null): string {
  return ms === null ? "-" : `${(ms / 1000).toFixed(1)} s`;
}

export async function runsLs(opts: {
  model?: string;
  status?: RunStatus;
  limit: number;
  json?: boolean;
}): Promise<void> {
  const list = await withRuns((ctx) =>
    ctx.runs.list({
      ...(opts.model ? { model: opts.model } : {}),
      ...(opts.status ? { status: opts.status } : {}),
      limit: opts.limit,
    }),
  );
  if (opts.json) {
    printJson(list);
    return;
  }
  if (list.length === 0) {
    printLine("no runs yet: `bulwark train` records one");
    return;
  }
  printLine(
    table(
      ["run", "status", "model", "ROC-AUC", "F1", "duration", "datasets", "started"],
      list.map((r) => [
        r.id,
        r.status,
        r.modelVersion ? `${r.modelName}@${r.modelVersion}` : r.modelName,
        fmt(validation(r, "rocAuc")),
        fmt(validation(r, "f1")),
        seconds(r.durationMs),
        datasetsOf(r).slice(0, 40),
        r.startedAt.slice(0, 19).replace("T", " "),
      ]),
    ),
  );
}

export async function runsShow(id: string, opts: { json?: boolean }): Promise<void> {
  const r = await withRuns((ctx) => ctx.runs.get(id));
  if (opts.json) {
    printJson(r);
    return;
  }
  printLine(`${r.id}  ${r.status}`);
  printLine(
    `  model      ${r.modelVersion ? `${r.modelName}@${r.modelVersion}` : r.modelName} (${r.family})`,
  );
  printLine(`  artifact   sha256 ${r.artifactSha256 ?? "-"}`);
  printLine(
    `  started    ${r.startedAt} by ${r.createdBy}; ${r.finishedAt ? `finished ${r.finishedAt}` : "not finished"} (${seconds(r.durationMs)})`,
  );
  for (const d of r.datasets)
    printLine(
      `  dataset    ${d.version ? `${d.name}@${d.version}` : d.name} ${d.id ? `(${d.id}) ` : ""}${d.rows} rows, sha256 ${d.sha256}`,
    );
  const p = r.params as Record<string, unknown>;
  printLine(
    `  params     ${Object.entries(p)
      .filter(([, v]) => typeof v !== "object")
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(" ")}`,
  );
  if (r.metrics)
    printLine(
      `  validation ROC-AUC ${fmt(validation(r, "rocAuc"))}, TPR@1%FPR ${fmt(validation(r, "tprAt1Fpr"))}, precision ${fmt(validation(r, "precision"))}, recall ${fmt(validation(r, "recall"))}, F1 ${fmt(validation(r, "f1"))}, FPR ${fmt(validation(r, "fpr"))}`,
    );
  const env = r.environment;
  printLine(
    `  environment bulwark ${String(env.bulwark)}, node ${String(env.node)}, ${String(env.platform)} ${String(env.arch)}, ${String(env.cpus)} cpus, ${String(env.hostname)}`,
  );
  if (r.error) printLine(`  error      ${r.error}`);
}

export async function runsCompare(a: string, b: string, opts: { json?: boolean }): Promise<void> {
  const c = await withRuns(async (ctx) => compareRuns(await ctx.runs.get(a), await ctx.runs.get(b)));
  if (opts.json) {
    printJson(c);
    return;
  }
  printLine(`a: ${c.a.id} (${c.a.modelName}@${c.a.modelVersion ?? "-"})`);
  printLine(`b: ${c.b.id} (${c.b.modelName}@${c.b.modelVersion ?? "-"})`);
  printLine("");
  printLine(
    c.params.length
      ? table(
          ["parameter", "a", "b"],
          c.params.map((p) => [p.key, JSON.stringify(p.a) ?? "-", JSON.stringify(p.b) ?? "-"]),
        )
      : "same parameters",
  );
  printLine("");
  printLine(
    table(
      ["metric", "a", "b", "b - a"],
      [...c.metrics, c.durationMs].map((m) => [m.key, fmt(m.a, 4), fmt(m.b, 4), fmt(m.delta, 4)]),
    ),
  );
  printLine("");
  const name = (d: RunRecord["datasets"][number]) => (d.version ? `${d.name}@${d.version}` : d.name);
  printLine(`datasets in both: ${c.datasets.shared.map(name).join(", ") || "none"}`);
  if (c.datasets.onlyA.length) printLine(`only in a:        ${c.datasets.onlyA.map(name).join(", ")}`);
  if (c.datasets.onlyB.length) printLine(`only in b:        ${c.datasets.onlyB.map(name).join(", ")}`);
}
