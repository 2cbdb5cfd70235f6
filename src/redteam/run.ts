/**
 * One campaign from start to stored report: cases from the seed, screened by the target,
 * compared with the previous campaign against the same model, written to the store. The
 * CLI, the job and the learning loop all run campaigns through here.
 */
import { performance } from "node:perf_hooks";
import type { ObjectStore } from "../storage/types.js";
import { caseStream, type CaseOptions } from "./cases.js";
import { runCampaign, type CampaignTarget } from "./campaign.js";
import { buildReport } from "./report.js";
import { campaignKeys, newCampaignId, previousCampaign, saveCampaign } from "./store.js";
import { checkCampaignSeed } from "./suites.js";
import type { CampaignReport, CaseResult } from "./types.js";

export interface CampaignRequest extends CaseOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface Campaign {
  report: CampaignReport;
  results: CaseResult[];
}

export async function redTeamCampaign(
  store: ObjectStore,
  target: CampaignTarget,
  request: CampaignRequest,
): Promise<Campaign> {
  checkCampaignSeed(request.seed);
  const started = new Date();
  const t0 = performance.now();
  const campaign = newCampaignId(started);
  const results = await runCampaign(target, caseStream(request), {
    total: request.cases,
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const previous = await previousCampaign(store, target.model.sha256, campaign);
  // The files' keys are known before writing; the report names them and is written last.
  const keys = campaignKeys(campaign);
  const report = buildReport(results, {
    campaign,
    model: target.model,
    seed: request.seed,
    startedAt: started.toISOString(),
    durationMs: performance.now() - t0,
    files: [keys.cases, keys.vulnerabilities, keys.report],
    ...(previous
      ? {
          previous: {
            campaign: previous.campaign,
            detectionRate: previous.detectionRate,
            overDefence: previous.overDefence,
          },
        }
      : {}),
  });
  await saveCampaign(store, results, report);
  return { report, results };
}
