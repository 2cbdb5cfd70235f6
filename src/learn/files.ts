/**
 * What a cycle leaves in the object store, and how a later cycle reads it back:
 * - combined-data/{model}/{cycle}.jsonl: the challenger's training rows, with a manifest
 *   naming the campaign, the datasets the rows came from and the extra rows' ids;
 * - model-specific/{model}/{cycle}/{generator}.jsonl: the champion's failures of each kind,
 *   as dataset rows whose `meta` says how each case was made (generator, mutators, seed).
 * A challenger's lineage names the combined object by key and SHA-256, so the next cycle
 * (which takes it as champion) trains on exactly those rows, checked.
 */
import { IntegrityError } from "../core/errors.js";
import type { DatasetLineage } from "../data/dataset-record.js";
import { emptySummary, readData } from "../data/formats.js";
import { sampleRow, type Sample } from "../data/sample.js";
import type { CaseResult } from "../redteam/types.js";
import { PREFIXES, StorageLayout } from "../storage/layout.js";
import type { ObjectStore } from "../storage/types.js";
import type { CampaignSummary, CombineCounts } from "./types.js";

export interface CombinedManifest {
  cycle: string;
  model: string;
  key: string;
  sha256: string;
  rows: number;
  champion: { ref: string; sha256: string };
  campaign: { campaign: string; seed: number; files: string[] };
  /** Where the base rows came from (the champion's lineage). */
  datasets: DatasetLineage[];
  extraIds: string[];
  counts: CombineCounts;
  createdAt: string;
}

export interface WrittenCombined {
  key: string;
  manifestKey: string;
  sha256: string;
  /** How a model trained on it names it in its lineage. */
  lineage: DatasetLineage;
}

export async function writeCombined(
  store: ObjectStore,
  o: {
    model: string;
    cycle: string;
    rows: readonly Sample[];
    champion: { ref: string; sha256: string };
    campaign: CampaignSummary;
    datasets: DatasetLineage[];
    extraIds: string[];
    counts: CombineCounts;
    /** A row's `meta` (feedback rows: their report and subject), when it has one. */
    rowMeta?: ((s: Sample) => Record<string, unknown> | undefined) | undefined;
  },
): Promise<WrittenCombined> {
  const layout = new StorageLayout(store);
  const key = layout.cycleCombinedKey(o.model, o.cycle);
  const rows = o.rows.map((s) => {
    const meta = o.rowMeta?.(s);
    return meta ? { ...sampleRow(s), meta } : sampleRow(s);
  });
  const put = await layout.saveRows(key, rows, { model: o.model, cycle: o.cycle });
  const manifest: CombinedManifest = {
    cycle: o.cycle,
    model: o.model,
    key,
    sha256: put.sha256,
    rows: o.rows.length,
    champion: o.champion,
    campaign: { campaign: o.campaign.campaign, seed: o.campaign.seed, files: o.campaign.files },
    datasets: o.datasets,
    extraIds: o.extraIds,
    counts: o.counts,
    createdAt: new Date().toISOString(),
  };
  const manifestKey = layout.cycleManifestKey(o.model, o.cycle);
  await store.put(manifestKey, JSON.stringify(manifest, null, 2), { contentType: "application/json" });
  return {
    key,
    manifestKey,
    sha256: put.sha256,
    lineage: { id: null, name: key, version: null, sha256: put.sha256, rows: o.rows.length },
  };
}

/** Writes the champion's failures, one object per generator; returns the keys. */
export async function writeFailures(
  store: ObjectStore,
  model: string,
  cycle: string,
  failures: readonly CaseResult[],
  toSample: (c: CaseResult) => Sample,
): Promise<string[]> {
  const layout = new StorageLayout(store);
  const byGenerator = new Map<string, CaseResult[]>();
  for (const f of failures) byGenerator.set(f.generator, [...(byGenerator.get(f.generator) ?? []), f]);
  const keys: string[] = [];
  for (const [generator, cases] of [...byGenerator].sort(([a], [b]) => a.localeCompare(b))) {
    const key = layout.cycleFailuresKey(model, cycle, generator);
    const rows = cases.map((c) => ({
      ...sampleRow(toSample(c)),
      meta: {
        case: c.id,
        generator: c.generator,
        mutators: c.mutators,
        seed: c.seed,
        original: c.original,
        score: c.score,
        failure: c.label === 1 ? "bypass" : "over-defence",
      },
    }));
    await layout.saveRows(key, rows, { model, cycle, "failure-type": generator });
    keys.push(key);
  }
  return keys;
}

/** Whether a lineage entry names a cycle's combined data in the store. */
export function isCombinedLineage(d: DatasetLineage): boolean {
  return d.id === null && d.name.startsWith(PREFIXES.combined) && d.name.endsWith(".jsonl");
}

/** A cycle's combined rows, read back and checked against the SHA-256 its lineage recorded. */
export async function readCombined(store: ObjectStore, d: DatasetLineage): Promise<Sample[]> {
  const summary = emptySummary();
  const rows: Sample[] = [];
  for await (const s of readData(await store.get(d.name), d.name, { format: "jsonl" }, summary)) rows.push(s);
  if (summary.sha256 !== d.sha256)
    throw new IntegrityError(
      `${d.name} does not match the SHA-256 its models recorded (${d.sha256}, read ${summary.sha256})`,
      { key: d.name, expected: d.sha256, actual: summary.sha256 },
    );
  return rows;
}
