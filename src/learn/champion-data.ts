/**
 * The data a champion was trained on, found from its lineage: the bundled corpus, catalogue
 * datasets (by id), or an earlier cycle's combined data in the store (by key, SHA-256
 * checked). A challenger learns from the same rows plus what the campaign found, so only
 * the new rows can explain a difference. A model trained on a local file names nothing
 * this machine can find again: the caller then names the data itself.
 */
import { ValidationError } from "../core/errors.js";
import { type DatasetCatalog } from "../data/datasets.js";
import { BUNDLED, type DatasetLineage } from "../data/dataset-record.js";
import { allSamples, resolveInputs } from "../data/inputs.js";
import { combinePrivacy, UNKNOWN_PRIVACY, type DatasetPrivacy } from "../data/privacy.js";
import type { Sample } from "../data/sample.js";
import type { ModelVersion } from "../registry/registry.js";
import type { ObjectStore } from "../storage/types.js";
import { isCombinedLineage, readCombined } from "./files.js";

export interface BaseData {
  samples: Sample[];
  /** What the rows came from, as a challenger's manifest records it. */
  datasets: DatasetLineage[];
  /** What their manifests say about personal data, combined (an earlier cycle's data: unknown). */
  privacy: DatasetPrivacy;
}

/** Rows of catalogue references, `bundled` or files, as `bulwark train --data` takes them. */
export async function dataFromRefs(catalog: DatasetCatalog, refs: string[]): Promise<BaseData> {
  const inputs = await resolveInputs(catalog, refs);
  const samples: Sample[] = [];
  for await (const s of allSamples(inputs)) samples.push(s);
  return {
    samples,
    datasets: inputs.map((i) => i.lineage),
    privacy: combinePrivacy(inputs.map((i) => i.privacy)),
  };
}

export async function championData(
  ws: { catalog: DatasetCatalog; store: ObjectStore },
  champion: ModelVersion,
): Promise<BaseData> {
  if (champion.datasets.length === 0)
    throw new ValidationError(
      `${champion.ref} records no training data: name the data the cycle should build on (--data)`,
      { champion: champion.ref },
    );
  const samples: Sample[] = [];
  const datasets: DatasetLineage[] = [];
  const privacy: DatasetPrivacy[] = [];
  for (const d of champion.datasets) {
    if (isCombinedLineage(d)) {
      samples.push(...(await readCombined(ws.store, d)));
      datasets.push(d);
      privacy.push(UNKNOWN_PRIVACY);
      continue;
    }
    if (d.id !== BUNDLED && !d.id?.startsWith("ds_"))
      throw new ValidationError(
        `${champion.ref} was trained on ${d.name}, which is neither in the dataset catalogue nor in the store: name the data the cycle should build on (--data)`,
        { champion: champion.ref, dataset: d.name },
      );
    const base = await dataFromRefs(ws.catalog, [d.id]);
    samples.push(...base.samples);
    datasets.push(...base.datasets);
    privacy.push(base.privacy);
  }
  return { samples, datasets, privacy: combinePrivacy(privacy) };
}
