/** One place rows can be imported from: a file, a downloaded URL, an S3 object. */
import type { OriginEntry } from "../manifest.js";

export interface ImportSource {
  kind: OriginEntry["kind"];
  /** Shown in messages and kept in the dataset's origin (never with credentials). */
  location: string;
  /** The raw bytes (gzip or not); called once. */
  open(): Promise<AsyncIterable<Buffer>>;
  /** Facts learnt while fetching (HTTP status, attempts, object version...). */
  details?: Record<string, unknown>;
  /** Removes anything fetched to disk. */
  cleanup?(): Promise<void>;
}
