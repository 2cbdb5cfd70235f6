/**
 * What a dataset version holds, in numbers, and the manifest stored beside it. The
 * manifest is a superset of StorageLayout's TrainingDataManifest, so the storage layer's
 * listing of training data keeps working on datasets written here.
 */
import type { TrainingDataManifest } from "../storage/layout.js";
import type { DatasetPrivacy } from "./privacy.js";
import type { Sample } from "./sample.js";

export interface DatasetCounts {
  rows: number;
  label: Record<string, number>;
  category: Record<string, number>;
  lang: Record<string, number>;
  source: Record<string, number>;
}

export class CountsAccumulator {
  private rows = 0;
  private readonly label = new Map<string, number>();
  private readonly category = new Map<string, number>();
  private readonly lang = new Map<string, number>();
  private readonly source = new Map<string, number>();

  add(s: Sample): void {
    this.rows++;
    bump(this.label, String(s.label));
    bump(this.category, s.category);
    bump(this.lang, s.lang ?? "unknown");
    bump(this.source, s.source);
  }

  result(): DatasetCounts {
    return {
      rows: this.rows,
      label: sorted(this.label),
      category: sorted(this.category),
      lang: sorted(this.lang),
      source: sorted(this.source),
    };
  }
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** Largest first, then by name, so manifests and reports read the same every time. */
function sorted(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** Where a dataset's rows came from. */
export interface OriginEntry {
  kind: "file" | "url" | "s3" | "dataset" | "bundled";
  /** Path, URL (without credentials), s3://bucket/key, or dataset reference. */
  location: string;
  format?: "jsonl" | "envelope";
  sha256?: string;
  bytes?: number;
  rows: number;
  invalid: number;
  /** An envelope's metadata, as it arrived. */
  envelope?: Record<string, unknown>;
  /** Anything else worth keeping (HTTP status, attempts, filters, object version). */
  details?: Record<string, unknown>;
}

export interface DatasetOrigin {
  kind: "import" | "merge";
  sources: OriginEntry[];
  /** For a merge: the rule used for conflicting labels. */
  rule?: string;
}

export interface DatasetManifest extends TrainingDataManifest {
  id: string;
  name: string;
  /** The dataset's version number (the object's name is `v{number}`). */
  number: number;
  format: "jsonl";
  rows: number;
  skippedRows: number;
  counts: DatasetCounts;
  origin: DatasetOrigin;
  createdBy: string;
  /** Merge report, envelope metadata, or anything else the creator wants kept. */
  details: Record<string, unknown>;
  /**
   * Personal data in the rows, legal basis, purpose, what the import found. Manifests
   * written before it existed have none: read them with `readPrivacy` (they read "unknown").
   */
  privacy?: DatasetPrivacy;
}
