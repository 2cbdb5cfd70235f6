/** The messages between the detection pool (main thread) and its workers. */
import type { DecodeLimits } from "../../text/decode-budget.js";
import type { ScanOptions, ScanResult } from "../../detect/document-scan.js";
import type { Verdict } from "../../detect/types.js";

/** What a worker needs to build the very detector the main thread serves. */
export interface ModelLoad {
  type: "load";
  /** The model's bytes; the worker hashes them and refuses to serve another SHA-256. */
  artifact: Uint8Array;
  sha256: string;
  options: { threshold: number; window: { size: number; stride: number }; decode: DecodeLimits };
}

export type PoolTask =
  | { type: "batch"; id: number; texts: string[]; options: { threshold?: number; evidence?: boolean } }
  | { type: "scan"; id: number; content: string; options: ScanOptions };

export type ToWorker = ModelLoad | PoolTask;

export type FromWorker =
  | { type: "loaded"; sha256: string }
  | { type: "load-failed"; message: string }
  | { type: "done"; id: number; result: Verdict[] | ScanResult }
  | { type: "failed"; id: number; message: string };
