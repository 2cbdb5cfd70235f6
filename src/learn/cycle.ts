/**
 * One learning cycle, champion against challenger:
 *   champion  the production version of the model, loaded through its SHA-256 check;
 *   campaign  a seeded red-team campaign against it, in-process, saved under red-team-data/;
 *   combine   its training data + what it missed + extra rows, guarded (combine.ts), written
 *             to combined-data/ and, by failure type, model-specific/;
 *   train     a challenger on the combined rows with the champion's parameters (stage none);
 *   evaluate  both on the same suites: the leak-free validation split, the frozen red-team
 *             suite, the hard negatives;
 *   decide    the promotion rule (rule.ts): promoted through the registry (audited, with a
 *             locked snapshot), or archived with the reason. Either way the cycle's row holds
 *             the figures behind the decision.
 * The core of `bulwark learn cycle`, the learn.cycle job and the schedule; it knows nothing
 * of HTTP, terminals or threads (the caller hands in the trainer).
 */
import { randomInt } from "node:crypto";
import { performance } from "node:perf_hooks";
import { BulwarkError, describeError, ValidationError } from "../core/errors.js";
import type { DataInput } from "../data/inputs.js";
import { normaliseForDedup } from "../data/merge.js";
import type { Sample } from "../data/sample.js";
import { MODEL_FORMAT } from "../detect/model.js";
import type { RulesDocument } from "../detect/rules.js";
import type { Detector } from "../detect/types.js";
import { caseToSample, detectorTarget } from "../redteam/campaign.js";
import { redTeamCampaign, type CampaignRequest } from "../redteam/run.js";
import { isFrozenText } from "../redteam/suites.js";
import type { CaseResult } from "../redteam/types.js";
import type { ModelVersion, StageChange } from "../registry/registry.js";
import type { ObjectStore } from "../storage/types.js";
import {
  trainBuiltin,
  type TrainOptions,
  type TrainParams,
  type TrainResult,
} from "../train/builtin-trainer.js";
import type { TrainParamsOverrides } from "../train/params.js";
import { phaseSpans } from "../train/phases.js";
import type { SampleSource } from "../train/sources.js";
import { championData, dataFromRefs, type BaseData } from "./champion-data.js";
import { combine } from "./combine.js";
import type { CycleStore } from "./cycles.js";
import { scoreSuites } from "./evaluate.js";
import { writeCombined, writeFailures } from "./files.js";
import { checkSources, leaveOneSourceOut } from "./loso.js";
import { decide, DEFAULT_RULE, type PromotionRule } from "./rule.js";
import { redTeamSuites, type EvaluationSuite } from "./suites.js";
import { trainRun, type TrainingCatalogs } from "./training-run.js";
import type {
  CampaignRows,
  CampaignSummary,
  CycleData,
  CycleFigures,
  CyclePhase,
  CycleProgress,
  CycleRecord,
  ExtraSamples,
  ModelRefSummary,
} from "./types.js";
import { heldOutRows, withoutChallengerTraining } from "./validation.js";

export const DEFAULT_CYCLE_CASES = 1000;

/** A cycle holds its rows in memory (the trainer's in-memory split is the one it checks). */
export const MAX_CYCLE_CHARS = 64_000_000;

/** Where the catalogues, the store and the cycle records are. */
export interface LearningWorkspace extends TrainingCatalogs {
  store: ObjectStore;
  cycles: CycleStore;
}

export interface CycleOptions {
  /** The model whose production version is the champion. */
  model: string;
  /** Red-team cases in the campaign (default 1000). */
  cases?: number;
  /** The campaign's seed (default: a random one, recorded). */
  seed?: number;
  generators?: string[];
  mutators?: string[];
  /** Share of hard negatives in the campaign (the red team's default otherwise). */
  negativeShare?: number;
  /** Which campaign cases join the challenger's data (default "failures+negatives"). */
  campaignRows?: CampaignRows;
  rule?: PromotionRule;
  /** The data to build on instead of the champion's lineage (dataset refs, `bundled`, files). */
  data?: string[];
  /**
   * Build on `data` whose manifest says personal data is present. The champion's own data
   * needs no permission: training admitted it when the champion was trained.
   */
  allowPersonalData?: boolean;
  /** Rows from outside the campaign (accepted user reports). */
  extraSamples?: ExtraSamples;
  /**
   * Sources of the champion's data to hold out one at a time, training both recipes without
   * each (two trainings per source: off by default). Each becomes a suite `loso-{source}`.
   */
  leaveOneSourceOut?: string[];
  /** Training parameters of the challenger over the champion's (default: the champion's). */
  params?: TrainParamsOverrides;
  rules: RulesDocument;
  /** What trains the challenger (default: in this thread). */
  trainer?: (source: SampleSource, options: TrainOptions) => Promise<TrainResult>;
  onProgress?: (p: CycleProgress) => void;
  signal?: AbortSignal;
  /** The cron tick of a scheduled cycle: one cycle per tick across servers. */
  scheduledFor?: string;
  jobId?: string;
  /** How it was started, as recorded: "cli", "api", "schedule"... */
  trigger?: string;
}

export interface CycleResult {
  cycle: CycleRecord;
  champion: ModelVersion;
  challenger: ModelVersion;
  /** The promotion or the archiving of the challenger. */
  stageChange: StageChange;
}

/** Where each phase's progress falls in the whole cycle (training dominates). */
const PHASE_SPAN: Record<CyclePhase, [number, number]> = {
  champion: [0, 0.02],
  campaign: [0.02, 0.15],
  combine: [0.15, 0.22],
  train: [0.22, 0.8],
  evaluate: [0.8, 0.98],
  decide: [0.98, 1],
};

/** The overall fraction for a point within a phase. */
export function overallProgress(p: CycleProgress): number {
  const [from, to] = PHASE_SPAN[p.phase];
  return from + (to - from) * Math.min(1, Math.max(0, p.fraction));
}

export async function runCycle(ws: LearningWorkspace, o: CycleOptions): Promise<CycleResult> {
  const rule = o.rule ?? DEFAULT_RULE;
  const seed = o.seed ?? randomInt(0, 2 ** 31);
  const cases = o.cases ?? DEFAULT_CYCLE_CASES;
  const campaignRows = o.campaignRows ?? "failures+negatives";
  const record = await ws.cycles.start({
    model: o.model,
    rule,
    options: {
      cases,
      seed,
      campaignRows,
      ...(o.generators ? { generators: o.generators } : {}),
      ...(o.mutators ? { mutators: o.mutators } : {}),
      ...(o.data ? { data: o.data } : {}),
      ...(o.leaveOneSourceOut?.length ? { leaveOneSourceOut: o.leaveOneSourceOut } : {}),
      trigger: o.trigger ?? "library",
    },
    scheduledFor: o.scheduledFor,
    jobId: o.jobId,
  });
  const timings: Record<string, number> = {};
  const started = performance.now();
  let phaseStarted = started;
  const report = (phase: CyclePhase, fraction: number, message: string) => {
    o.signal?.throwIfAborted();
    o.onProgress?.({ phase, fraction, message });
  };
  const phaseDone = (phase: CyclePhase) => {
    const now = performance.now();
    timings[phase] = Math.round(now - phaseStarted);
    phaseStarted = now;
  };
  let challenger: ModelVersion | undefined;
  try {
    // ---- champion
    report("champion", 0, `finding the production version of ${o.model}`);
    const champion = await ws.registry.production(o.model);
    if (!champion)
      throw new BulwarkError(
        "NO_CHAMPION",
        `${o.model} has no production version to challenge: promote one first (bulwark models promote)`,
        409,
        { model: o.model },
      );
    if (champion.format !== MODEL_FORMAT)
      throw new ValidationError(
        `${champion.ref} has format ${champion.format}: learning cycles retrain the built-in model (${MODEL_FORMAT}) only`,
      );
    const championRef: ModelRefSummary = { ref: champion.ref, sha256: champion.sha256 };
    await ws.cycles.champion(record.id, championRef);
    const championDetector = (await ws.registry.detector(champion.ref)).detector;
    phaseDone("champion");

    // ---- campaign
    const campaign = await runChampionCampaign(ws.store, championDetector, championRef, {
      seed,
      cases,
      ...(o.generators ? { generators: o.generators } : {}),
      ...(o.mutators ? { mutators: o.mutators } : {}),
      ...(o.negativeShare !== undefined ? { negativeShare: o.negativeShare } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      onProgress: (done, total) =>
        report("campaign", done / Math.max(1, total), `red-teaming ${champion.ref}: ${done}/${total} cases`),
    });
    phaseDone("campaign");

    // ---- combine
    report("combine", 0, "reading the champion's training data");
    const base: BaseData = o.data?.length
      ? await dataFromRefs(ws.catalog, o.data)
      : await championData(ws, champion);
    if (o.leaveOneSourceOut?.length) checkSources(o.leaveOneSourceOut, base.samples);
    const championParams = champion.params as unknown as TrainParams;
    if (typeof championParams.seed !== "number" || typeof championParams.validationFraction !== "number")
      throw new ValidationError(`${champion.ref} records no training parameters to train a challenger with`);
    const params: TrainParamsOverrides = { ...(championParams as TrainParamsOverrides), ...o.params };
    const challengerSplit = {
      seed: params.seed ?? championParams.seed,
      validationFraction: params.validationFraction ?? championParams.validationFraction,
    };
    report("combine", 0.3, "building the evaluation suites");
    const heldOut = heldOutRows(base.samples, championParams);
    const redTeam = await redTeamSuites();
    const evaluationTexts = new Set(heldOut.texts);
    for (const suite of redTeam)
      for (const s of suite.samples) evaluationTexts.add(normaliseForDedup(s.text));
    const failures = campaign.results.filter((r) => r.miss);
    const learnedFrom = campaign.results.filter((r) => joins(campaignRows, r));
    const combined = combine({
      base: base.samples,
      campaign: learnedFrom.map((c) => caseToSample(c)),
      extra: o.extraSamples?.samples ?? [],
      isFrozen: isFrozenText,
      evaluationTexts,
    });
    const chars = combined.rows.reduce((n, s) => n + s.text.length, 0);
    if (chars > MAX_CYCLE_CHARS)
      throw new ValidationError(
        `the combined data holds ${chars} characters; a learning cycle works in memory up to ${MAX_CYCLE_CHARS}`,
      );
    const validation = withoutChallengerTraining(heldOut, combined.rows, challengerSplit);
    report("combine", 0.6, `writing ${combined.rows.length} rows to combined-data/`);
    const written = await writeCombined(ws.store, {
      model: o.model,
      cycle: record.id,
      rows: combined.rows,
      champion: championRef,
      campaign: campaign.summary,
      datasets: base.datasets,
      extraIds: o.extraSamples?.ids ?? [],
      counts: combined.counts,
      rowMeta: o.extraSamples?.rowMeta,
    });
    const modelSpecific = await writeFailures(ws.store, o.model, record.id, failures, (c) => caseToSample(c));
    phaseDone("combine");

    // ---- train
    const spans = phaseSpans(params.thresholdFolds ?? 0);
    const trained = await trainRun(ws, {
      inputs: [memoryInput(written.key, written.lineage, combined.rows, base.privacy)],
      name: o.model,
      params,
      rules: o.rules,
      description: `challenger of learning cycle ${record.id} against ${champion.ref}`,
      allowPersonalData: !o.data?.length || o.allowPersonalData === true,
      ...(o.trainer ? { trainer: o.trainer } : {}),
      onProgress: (p) =>
        report(
          "train",
          spanFraction(spans[p.phase], p.total ? p.done / p.total : 0),
          p.epoch
            ? `training the challenger: ${p.phase} (epoch ${p.epoch})`
            : `training the challenger: ${p.phase}`,
        ),
    });
    challenger = trained.version;
    phaseDone("train");

    // ---- evaluate
    const suites: EvaluationSuite[] = [
      {
        name: "validation",
        description: "the champion's held-out split, minus any text either model trained on",
        samples: validation.samples,
      },
      ...redTeam,
    ];
    const total = suites.reduce((n, s) => n + s.samples.length, 0) * 2;
    const championFigures = await scoreSuites(championDetector, suites, {
      ...(o.signal ? { signal: o.signal } : {}),
      onProgress: (done) => report("evaluate", done / total, `evaluating the champion ${champion.ref}`),
    });
    const challengerDetector = (await ws.registry.detector(challenger.ref)).detector;
    const challengerFigures = await scoreSuites(challengerDetector, suites, {
      ...(o.signal ? { signal: o.signal } : {}),
      onProgress: (done) =>
        report("evaluate", (total / 2 + done) / total, `evaluating the challenger ${challenger!.ref}`),
    });
    if (o.leaveOneSourceOut?.length) {
      const loso = await leaveOneSourceOut({
        sources: o.leaveOneSourceOut,
        base: base.samples,
        combined: combined.rows,
        params,
        rules: o.rules,
        trainer: o.trainer ?? trainBuiltin,
        ...(o.signal ? { signal: o.signal } : {}),
        onProgress: (done, n, source) =>
          report("evaluate", done / n, `leave-one-source-out: ${source || "done"} (${done}/${n})`),
      });
      suites.push(...loso.suites);
      Object.assign(championFigures, loso.champion);
      Object.assign(challengerFigures, loso.challenger);
    }
    phaseDone("evaluate");

    // ---- decide
    report("decide", 0, "applying the promotion rule");
    const decision = decide(rule, championFigures, challengerFigures);
    let promote = decision.promote;
    let reason = decision.reason;
    if (promote) {
      // Someone may have promoted another version while this cycle ran: it was not the one beaten.
      const now = await ws.registry.production(o.model);
      if (now?.id !== champion.id) {
        promote = false;
        reason = `rejected: the production version changed during the cycle (now ${now?.ref ?? "none"}), so the challenger did not beat it`;
      }
    }
    const stageChange = promote
      ? await ws.registry.promote(challenger, "production", {
          reason: `learning cycle ${record.id}: ${reason}`,
        })
      : await ws.registry.setStage(challenger, "archived", {
          reason: `learning cycle ${record.id} ${reason}`,
        });
    await o.extraSamples?.usedBy(record.id);
    phaseDone("decide");
    timings.total = Math.round(performance.now() - started);

    const figures: CycleFigures = {
      suites: suites.map((s) => ({
        name: s.name,
        description: s.description,
        rows: s.samples.length,
        attacks: s.samples.filter((x) => x.label === 1).length,
        benign: s.samples.filter((x) => x.label === 0).length,
      })),
      champion: championFigures,
      challenger: challengerFigures,
      checks: decision.checks,
      validation: validation.report,
    };
    const data: CycleData = {
      combined: {
        key: written.key,
        manifestKey: written.manifestKey,
        sha256: written.sha256,
        rows: combined.rows.length,
      },
      modelSpecific,
      counts: combined.counts,
      baseDatasets: base.datasets,
      extraIds: o.extraSamples?.ids ?? [],
    };
    const cycle = await ws.cycles.succeed(record.id, {
      champion: championRef,
      challenger: { ref: challenger.ref, sha256: challenger.sha256 },
      decision: promote ? "promoted" : "rejected",
      reason,
      figures,
      campaign: campaign.summary,
      data,
      timings,
    });
    report("decide", 1, promote ? `promoted ${challenger.ref}` : `kept ${champion.ref}: ${reason}`);
    return { cycle, champion, challenger: stageChange.version, stageChange };
  } catch (err) {
    timings.total = Math.round(performance.now() - started);
    await ws.cycles
      .fail(record.id, describeError(err), {
        ...(challenger ? { challenger: { ref: challenger.ref, sha256: challenger.sha256 } } : {}),
        timings,
      })
      .catch(() => undefined);
    throw err;
  }
}

async function runChampionCampaign(
  store: ObjectStore,
  detector: Detector,
  model: ModelRefSummary,
  request: CampaignRequest,
): Promise<{ results: CaseResult[]; summary: CampaignSummary }> {
  const { report, results } = await redTeamCampaign(store, detectorTarget(detector, model.ref), request);
  return {
    results,
    summary: {
      campaign: report.campaign,
      seed: report.seed,
      cases: report.cases,
      attacks: report.attacks,
      negatives: report.negatives,
      detectionRate: report.detectionRate,
      overDefence: report.overDefence,
      bypasses: results.filter((r) => r.miss && r.label === 1).length,
      overDefended: results.filter((r) => r.miss && r.label === 0).length,
      files: report.files,
      durationMs: Math.round(report.durationMs),
    },
  };
}

function joins(rows: CampaignRows, r: CaseResult): boolean {
  if (rows === "all") return true;
  return r.miss || (rows === "failures+negatives" && r.label === 0);
}

/** The combined rows as a training input: already in memory and checked, named by their key. */
function memoryInput(
  key: string,
  lineage: DataInput["lineage"],
  rows: readonly Sample[],
  privacy: DataInput["privacy"],
): DataInput {
  return {
    ref: key,
    kind: "dataset",
    lineage,
    bytes: rows.reduce((n, s) => n + s.text.length, 0),
    invalid: 0,
    // The base data's: the campaign's rows are synthetic and users' reports are redacted.
    privacy,
    async *samples() {
      yield* rows;
    },
  };
}

/** Training's own phases within the cycle's train phase (features and epochs take most). */

function spanFraction([from, to]: [number, number], fraction: number): number {
  return from + (to - from) * fraction;
}
