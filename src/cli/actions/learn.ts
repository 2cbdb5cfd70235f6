/** `bulwark learn ...`: run a learning cycle in this process, and read past cycles. */
import { loadDefaultModel } from "../../app/default-model.js";
import { openPrivacy } from "../../app/privacy.js";
import { loadServiceSettings } from "../../app/settings.js";
import { withWorkspace } from "../../app/workspace.js";
import { stderrAuditSink } from "../../audit/sink.js";
import { loadConfig } from "../../core/config.js";
import { loadRulesFile } from "../../detect/rules.js";
import { overallProgress, runCycle } from "../../learn/cycle.js";
import { feedbackExtras } from "../../learn/feedback.js";
import { DEFAULT_RULE } from "../../learn/rule.js";
import { summariseCycle } from "../../learn/summary.js";
import type { CampaignRows, CycleDecision, CycleRecord } from "../../learn/types.js";
import { fmt, table } from "../format.js";
import { printJson, printLine } from "../output.js";
import { createProgress } from "../progress.js";

interface CycleOpts {
  cases: number;
  seed?: number;
  generators?: string[];
  mutators?: string[];
  model?: string;
  data?: string[];
  campaignRows?: CampaignRows;
  loso?: string[];
  fprTolerance: number;
  recallTolerance: number;
  rules?: string;
  allowPersonalData?: boolean;
  json?: boolean;
}

export async function learnCycle(opts: CycleOpts): Promise<void> {
  const config = loadConfig();
  const model = opts.model ?? config.detector.model;
  const progress = createProgress(!opts.json && process.stderr.isTTY === true);
  progress.start(1000, "learning cycle");
  const r = await withWorkspace(
    config,
    async (ws) => {
      // A fresh home has no production model yet: the shipped one becomes the champion.
      if (model === config.detector.model && !(await ws.registry.production(model)))
        await loadDefaultModel({ config, db: ws.db, store: ws.store, audit: stderrAuditSink() });
      const privacy = await openPrivacy(ws.db.db, loadServiceSettings().privacy);
      const extra = await feedbackExtras(ws.db, privacy.redactor);
      return runCycle(ws, {
        model,
        ...(extra ? { extraSamples: extra } : {}),
        cases: opts.cases,
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.generators ? { generators: opts.generators } : {}),
        ...(opts.mutators ? { mutators: opts.mutators } : {}),
        ...(opts.data?.length ? { data: opts.data } : {}),
        allowPersonalData: opts.allowPersonalData === true,
        ...(opts.campaignRows ? { campaignRows: opts.campaignRows } : {}),
        ...(opts.loso?.length ? { leaveOneSourceOut: opts.loso } : {}),
        rule: { ...DEFAULT_RULE, fprTolerance: opts.fprTolerance, recallTolerance: opts.recallTolerance },
        rules: loadRulesFile(opts.rules),
        trigger: "cli",
        onProgress: (p) => progress.update(Math.round(overallProgress(p) * 1000), p.message.slice(0, 60)),
      });
    },
    { audit: stderrAuditSink() },
  ).finally(() => progress.stop());
  const summary = summariseCycle(r.cycle);
  if (opts.json) {
    printJson({
      ...summary,
      ...(r.stageChange.snapshot ? { snapshot: r.stageChange.snapshot.key } : {}),
      ...(r.stageChange.snapshotError ? { snapshotError: r.stageChange.snapshotError } : {}),
    });
    return;
  }
  printCycle(r.cycle);
}

export async function learnLs(opts: {
  model?: string;
  decision?: CycleDecision;
  limit: number;
  json?: boolean;
}): Promise<void> {
  const list = await withWorkspace(loadConfig(), (ws) =>
    ws.cycles.list({
      ...(opts.model ? { model: opts.model } : {}),
      ...(opts.decision ? { decision: opts.decision } : {}),
      limit: opts.limit,
    }),
  );
  if (opts.json) {
    printJson(list.map(summariseCycle));
    return;
  }
  if (list.length === 0) {
    printLine("no learning cycles yet: `bulwark learn cycle` runs one");
    return;
  }
  printLine(
    table(
      [
        "cycle",
        "status",
        "champion",
        "challenger",
        "decision",
        "frozen recall",
        "bypasses",
        "duration",
        "started",
      ],
      list.map((c) => [
        c.id,
        c.status,
        c.champion?.ref ?? "-",
        c.challenger?.ref ?? "-",
        c.decision ?? "-",
        c.figures
          ? `${fmt(c.figures.champion.frozen?.recall)} -> ${fmt(c.figures.challenger.frozen?.recall)}`
          : "-",
        c.campaign ? c.campaign.bypasses : "-",
        c.timings?.total !== undefined ? `${(c.timings.total / 1000).toFixed(1)} s` : "-",
        c.startedAt.slice(0, 19).replace("T", " "),
      ]),
    ),
  );
}

export async function learnShow(id: string, opts: { json?: boolean }): Promise<void> {
  const c = await withWorkspace(loadConfig(), (ws) => ws.cycles.get(id));
  if (opts.json) printJson(c);
  else printCycle(c);
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? "-" : `${(x * 100).toFixed(1)}%`;

function printCycle(c: CycleRecord): void {
  const s = summariseCycle(c);
  printLine(`cycle       ${c.id} (${c.status}${c.scheduledFor ? `, scheduled for ${c.scheduledFor}` : ""})`);
  printLine(`champion    ${s.champion ?? "-"}`);
  printLine(`challenger  ${s.challenger ?? "-"}`);
  if (c.campaign) {
    const k = c.campaign;
    printLine(
      `campaign    ${k.cases} cases, seed ${k.seed}: ${pct(k.detectionRate)} of ${k.attacks} attacks caught (${k.bypasses} bypasses), ${pct(k.overDefence)} of ${k.negatives} hard negatives flagged (${k.overDefended})`,
    );
  }
  if (c.data) {
    const n = c.data.counts;
    printLine(
      `data        ${c.data.combined.key}: ${c.data.combined.rows} rows (${n.baseRows} base, ${n.campaignRows} from the campaign, ${n.extraRows} extra; dropped ${n.duplicates} duplicates, ${n.frozen} frozen-suite and ${n.evaluation} evaluation texts)`,
    );
    const failures = c.data.modelSpecific;
    printLine(
      `failures    ${failures.length ? `${failures.length} files (one per generator) under model-specific/${c.model}/${c.id}/` : "none"}`,
    );
  }
  printLine(`rule        ${s.rule.text}`);
  if (c.figures) {
    const f = c.figures;
    printLine();
    printLine(
      table(
        ["suite", "rows", "recall (champion)", "recall (challenger)", "FPR (champion)", "FPR (challenger)"],
        f.suites.map((suite) => [
          suite.name,
          suite.rows,
          fmt(f.champion[suite.name]?.recall),
          fmt(f.challenger[suite.name]?.recall),
          fmt(f.champion[suite.name]?.fpr),
          fmt(f.challenger[suite.name]?.fpr),
        ]),
      ),
    );
    printLine();
  }
  if (c.status === "failed") printLine(`failed      ${c.error ?? "(no reason recorded)"}`);
  else if (c.decision) printLine(`decision    ${c.decision.toUpperCase()}: ${c.reason ?? ""}`);
  if (c.timings?.total !== undefined) printLine(`took        ${(c.timings.total / 1000).toFixed(1)} s`);
}
