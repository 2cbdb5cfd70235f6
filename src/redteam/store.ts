/**
 * Where campaigns live in the object store (red-team-data/): every case and the misses as
 * JSONL, the report as JSON, and a marker per model so "the previous campaign against this
 * model" is one listing, not a read of every report. Campaign ids start with their UTC time,
 * so a listing is in time order.
 */
import { randomBytes } from "node:crypto";
import { NotFoundError, ValidationError } from "../core/errors.js";
import type { ObjectStore } from "../storage/types.js";
import type { CampaignReport, CaseResult } from "./types.js";

export const REDTEAM_PREFIX = "red-team-data/";
const REPORTS = `${REDTEAM_PREFIX}reports/`;
const BY_MODEL = `${REDTEAM_PREFIX}by-model/`;
export const CAMPAIGN_ID = /^rt-\d{8}T\d{9}Z-[0-9a-f]{6}$/;

/** `20261201T071503123Z` */
function stamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, "");
}

export function newCampaignId(at = new Date()): string {
  return `rt-${stamp(at)}-${randomBytes(3).toString("hex")}`;
}

/** The keys a campaign's files are written under (named as the issue and README say). */
export function campaignKeys(campaign: string): { cases: string; vulnerabilities: string; report: string } {
  const timestamp = campaign.slice(3, 22);
  return {
    cases: `${REDTEAM_PREFIX}red_team_data_${campaign}_${timestamp}.jsonl`,
    vulnerabilities: `${REDTEAM_PREFIX}red_team_data_vulnerabilities_${timestamp}.jsonl`,
    report: `${REPORTS}${campaign}.json`,
  };
}

const jsonl = (rows: readonly object[]) =>
  rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");

/** Writes the cases, the misses and the report; the report last, so a listed campaign is whole. */
export async function saveCampaign(
  store: ObjectStore,
  results: readonly CaseResult[],
  report: CampaignReport,
): Promise<string[]> {
  const keys = campaignKeys(report.campaign);
  const type = { contentType: "application/x-ndjson" };
  await store.put(keys.cases, jsonl(results), type);
  await store.put(keys.vulnerabilities, jsonl(results.filter((r) => r.miss)), type);
  await store.put(keys.report, JSON.stringify(report, null, 2), { contentType: "application/json" });
  await store.put(`${BY_MODEL}${report.model.sha256}/${report.campaign}`, "", { contentType: "text/plain" });
  return [keys.cases, keys.vulnerabilities, keys.report];
}

function checkId(campaign: string): void {
  if (!CAMPAIGN_ID.test(campaign))
    throw new ValidationError(`"${campaign}" is not a campaign id (rt-YYYYMMDDTHHMMSSmmmZ-xxxxxx)`);
}

export async function readReport(store: ObjectStore, campaign: string): Promise<CampaignReport> {
  checkId(campaign);
  try {
    return JSON.parse(
      (await store.getBuffer(campaignKeys(campaign).report)).toString("utf8"),
    ) as CampaignReport;
  } catch (err) {
    if ((err as { code?: string }).code === "NO_SUCH_KEY") throw new NotFoundError(`campaign ${campaign}`);
    throw err;
  }
}

export async function readResults(store: ObjectStore, campaign: string): Promise<CaseResult[]> {
  checkId(campaign);
  const text = (await store.getBuffer(campaignKeys(campaign).cases)).toString("utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CaseResult);
}

/** Campaign ids, newest first. */
export async function listCampaigns(store: ObjectStore, limit = 100): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.listAll(REPORTS)) {
    const id = e.key.slice(REPORTS.length).replace(/\.json$/, "");
    if (CAMPAIGN_ID.test(id)) ids.push(id);
  }
  return ids.sort().reverse().slice(0, limit);
}

/** The newest campaign against the model before `campaign`, if any. */
export async function previousCampaign(
  store: ObjectStore,
  sha256: string,
  campaign: string,
): Promise<CampaignReport | undefined> {
  const ids: string[] = [];
  for await (const e of store.listAll(`${BY_MODEL}${sha256}/`))
    ids.push(e.key.slice(e.key.lastIndexOf("/") + 1));
  const before = ids.filter((id) => CAMPAIGN_ID.test(id) && id < campaign).sort();
  const last = before.at(-1);
  return last ? readReport(store, last) : undefined;
}
