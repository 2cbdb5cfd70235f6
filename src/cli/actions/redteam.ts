/** `bulwark redteam run|ls|show|report|generators`: campaigns from the command line. */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { withWorkspace } from "../../app/workspace.js";
import { stderrAuditSink } from "../../audit/sink.js";
import { loadConfig } from "../../core/config.js";
import { ValidationError } from "../../core/errors.js";
import { detectorTarget, type CampaignTarget } from "../../redteam/campaign.js";
import { generators } from "../../redteam/generators.js";
import { httpTarget, jsonScoreAdapter } from "../../redteam/http-target.js";
import { MUTATORS } from "../../redteam/mutators.js";
import type { ModelRegistry } from "../../registry/registry.js";
import { reportMarkdown } from "../../redteam/report.js";
import { redTeamCampaign } from "../../redteam/run.js";
import { listCampaigns, readReport } from "../../redteam/store.js";
import { redTeamSamples } from "../../redteam/training-data.js";
import { writeFileAtomic } from "../../storage/fs/atomic.js";
import type { CampaignReport } from "../../redteam/types.js";
import { fmt, table } from "../format.js";
import { detectorFromOptions } from "../model-option.js";
import { printJson, printLine } from "../output.js";
import { createProgress } from "../progress.js";

interface RunOpts {
  model?: string;
  cases: number;
  seed: number;
  generators?: string[];
  mutators?: string[];
  target?: string;
  key?: string;
  targetScoreField?: string;
  targetTextField: string;
  targetThreshold: number;
  json?: boolean;
  progress: boolean;
}

/** What `--json` prints: the figures a script or a CI gate reads. */
export function campaignSummary(r: CampaignReport) {
  return {
    campaign: r.campaign,
    model: r.model,
    cases: r.cases,
    detectionRate: r.detectionRate,
    overDefence: r.overDefence,
    byGenerator: r.byGenerator,
    byMutator: r.byMutator,
    worst: r.worst,
    files: r.files,
    previous: r.previous ?? null,
  };
}

async function targetFor(opts: RunOpts, registry: ModelRegistry): Promise<CampaignTarget> {
  if (opts.target) {
    const key = opts.key ?? process.env.BULWARK_API_KEY;
    if (!key)
      throw new ValidationError(
        "--target needs --key KEY (or BULWARK_API_KEY): an API key with the client role",
      );
    const adapter = opts.targetScoreField
      ? jsonScoreAdapter({
          textField: opts.targetTextField,
          scoreField: opts.targetScoreField,
          threshold: opts.targetThreshold,
        })
      : undefined;
    return httpTarget({ url: opts.target, ...(key ? { key } : {}), ...(adapter ? { adapter } : {}) });
  }
  if (opts.model && !existsSync(opts.model)) {
    const m = await registry.detector(opts.model);
    return detectorTarget(m.detector, m.version.ref);
  }
  const detector = await detectorFromOptions(opts.model ? { model: opts.model } : {});
  const ref = opts.model ? basename(opts.model) : `${detector.model.name}@${detector.model.version}`;
  return detectorTarget(detector, ref);
}

export async function redteamRun(opts: RunOpts): Promise<void> {
  if (opts.key && !opts.target) throw new ValidationError("--key goes with --target URL");
  const progress = createProgress(opts.progress && !opts.json && process.stderr.isTTY === true);
  const report = await withWorkspace(
    loadConfig(),
    async (w) => {
      const target = await targetFor(opts, w.registry);
      progress.start(opts.cases, `red team vs ${target.model.ref}`);
      const { report } = await redTeamCampaign(w.store, target, {
        seed: opts.seed,
        cases: opts.cases,
        ...(opts.generators ? { generators: opts.generators } : {}),
        ...(opts.mutators ? { mutators: opts.mutators } : {}),
        onProgress: (done) => progress.update(done),
      });
      return report;
    },
    { audit: stderrAuditSink() },
  ).finally(() => progress.stop());
  if (opts.json) return printJson(campaignSummary(report));
  printSummary(report);
}

function printSummary(r: CampaignReport): void {
  printLine(
    `campaign ${r.campaign} against ${r.model.ref}: ${r.cases} cases (${r.attacks} attacks, ${r.negatives} hard negatives) in ${(r.durationMs / 1000).toFixed(1)} s`,
  );
  printLine(`detection rate ${fmt(r.detectionRate)}, over-defence ${fmt(r.overDefence)}`);
  if (r.previous)
    printLine(
      `previous campaign against this model (${r.previous.campaign}): detection rate ${fmt(r.previous.detectionRate)}, over-defence ${fmt(r.previous.overDefence)}`,
    );
  printLine("");
  printLine(
    table(
      ["generator", "cases", "detection rate", "over-defence"],
      Object.entries(r.byGenerator).map(([g, t]) => [g, t.cases, fmt(t.detectionRate), fmt(t.overDefence)]),
    ),
  );
  printLine("");
  printLine(
    table(
      ["mutator", "attacks", "detection rate"],
      Object.entries(r.byMutator).map(([m, t]) => [m, t.cases, fmt(t.detectionRate)]),
    ),
  );
  if (r.worst.length) {
    printLine("");
    printLine("worst combinations:");
    for (const w of r.worst.slice(0, 5))
      printLine(`  ${w.generator} x ${w.mutator}: ${fmt(w.detectionRate)} of ${w.cases}`);
  }
  printLine("");
  printLine(`files: ${r.files.join(", ")}`);
  printLine(`full report: bulwark redteam report ${r.campaign}`);
}

export async function redteamList(opts: { limit: number; json?: boolean }): Promise<void> {
  const reports = await withWorkspace(loadConfig(), async (w) => {
    const ids = await listCampaigns(w.store, opts.limit);
    return Promise.all(ids.map((id) => readReport(w.store, id)));
  });
  if (opts.json) return printJson(reports.map(campaignSummary));
  if (reports.length === 0) return printLine("no campaigns yet: bulwark redteam run");
  printLine(
    table(
      ["campaign", "model", "cases", "detection rate", "over-defence", "started"],
      reports.map((r) => [
        r.campaign,
        r.model.ref,
        r.cases,
        fmt(r.detectionRate),
        fmt(r.overDefence),
        r.startedAt.slice(0, 19),
      ]),
    ),
  );
}

export async function redteamShow(id: string, opts: { json?: boolean }): Promise<void> {
  const r = await withWorkspace(loadConfig(), (w) => readReport(w.store, id));
  if (opts.json) return printJson(campaignSummary(r));
  printSummary(r);
}

export async function redteamReport(id: string, opts: { format: string }): Promise<void> {
  if (opts.format !== "md" && opts.format !== "json")
    throw new ValidationError(`--format ${opts.format}: choose md or json`);
  const r = await withWorkspace(loadConfig(), (w) => readReport(w.store, id));
  if (opts.format === "json") return printJson(r);
  for (const line of reportMarkdown(r).split("\n")) printLine(line);
}

export async function redteamExport(opts: {
  output: string;
  cases: number;
  seed: number;
  generators?: string[];
  mutators?: string[];
  source: string;
}): Promise<void> {
  const samples = redTeamSamples(
    {
      seed: opts.seed,
      cases: opts.cases,
      ...(opts.generators ? { generators: opts.generators } : {}),
      ...(opts.mutators ? { mutators: opts.mutators } : {}),
    },
    opts.source,
  );
  const text = samples.map((s) => JSON.stringify(s)).join("\n") + "\n";
  const target = resolve(opts.output);
  await mkdir(dirname(target), { recursive: true });
  await writeFileAtomic(target, target.endsWith(".gz") ? gzipSync(text) : Buffer.from(text), dirname(target));
  const attacks = samples.filter((s) => s.label === 1).length;
  process.stderr.write(
    `bulwark: wrote ${samples.length} rows (${attacks} attacks, ${samples.length - attacks} hard negatives; ` +
      `${opts.cases - samples.length} duplicates or frozen-suite texts left out) to ${target}\n`,
  );
}

export async function redteamGenerators(opts: { json?: boolean }): Promise<void> {
  const gens = generators().map((g) => ({
    id: g.id,
    label: g.label,
    mutable: g.mutable,
    description: g.description,
  }));
  const muts = MUTATORS.map((m) => ({ id: m.id, description: m.description }));
  if (opts.json) return printJson({ generators: gens, mutators: muts });
  printLine(
    table(
      ["generator", "sends", "description"],
      gens.map((g) => [g.id, g.label ? "attacks" : "hard negatives", g.description]),
    ),
  );
  printLine("");
  printLine(
    table(
      ["mutator", "description"],
      muts.map((m) => [m.id, m.description]),
    ),
  );
}
