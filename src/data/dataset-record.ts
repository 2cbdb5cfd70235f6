/**
 * What a dataset version is, wherever it comes from (the catalogue, the bundled corpus): its
 * record, the lineage a training run keeps of it, and the rules for its name.
 */
import { basename } from "node:path";
import { ValidationError } from "../core/errors.js";
import { fromJson, toNumber, type DatasetsTable } from "../db/schema.js";
import type { DatasetCounts, DatasetOrigin } from "./manifest.js";
import { readPrivacy, type DatasetPrivacy } from "./privacy.js";

export const BUNDLED = "bundled";
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface DatasetRecord {
  id: string;
  name: string;
  version: number;
  /** `name@version`, how people refer to it. */
  ref: string;
  key: string;
  manifestKey: string;
  sha256: string;
  size: number;
  rows: number;
  skippedRows: number;
  counts: DatasetCounts;
  origin: DatasetOrigin;
  details: Record<string, unknown>;
  /** Personal data in the rows, its legal basis and purpose ("unknown" for versions made before). */
  privacy: DatasetPrivacy;
  createdAt: string;
  createdBy: string;
  /** Objects stored with the dataset (e.g. a merge's conflict report), by name. */
  attachments: Record<string, string>;
}

/** What a training run records about each dataset it used. */
export interface DatasetLineage {
  id: string | null;
  name: string;
  version: number | null;
  sha256: string;
  rows: number;
}

export function lineageOf(d: DatasetRecord): DatasetLineage {
  return { id: d.id, name: d.name, version: d.version || null, sha256: d.sha256, rows: d.rows };
}

export function validateDatasetName(name: string): string {
  if (!NAME.test(name))
    throw new ValidationError(
      `dataset name "${name}" must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  if (name === BUNDLED)
    throw new ValidationError(`"${BUNDLED}" is reserved for the corpus bundled with Bulwark`);
  return name;
}

/** A name derived from a source (file name, URL path, S3 prefix), made valid. */
export function nameFromSource(source: string): string {
  const base = basename(source.replace(/[?#].*$/, "").replace(/\/+$/, "")).replace(
    /\.(jsonl|ndjson|json)(\.gz)?$|\.gz$/,
    "",
  );
  const clean = base
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 128);
  return clean && clean !== BUNDLED ? clean : "imported";
}

/** A catalogue row as a record. */
export function toRecord(row: DatasetsTable): DatasetRecord {
  const details = fromJson<Record<string, unknown>>(row.metadata, {});
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    ref: `${row.name}@${row.version}`,
    key: row.data_key,
    manifestKey: row.manifest_key,
    sha256: row.sha256 ?? "",
    size: toNumber(row.size_bytes) ?? 0,
    rows: row.rows,
    skippedRows: row.skipped_rows,
    counts: fromJson(row.counts, { rows: 0, label: {}, category: {}, lang: {}, source: {} }),
    origin: fromJson(row.origin, { kind: "import", sources: [] }),
    details,
    privacy: readPrivacy(fromJson<unknown>(row.privacy ?? null, null)),
    createdAt: row.created_at,
    createdBy: row.created_by,
    attachments: (details.attachments as Record<string, string> | undefined) ?? {},
  };
}
