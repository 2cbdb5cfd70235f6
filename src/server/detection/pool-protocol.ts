/** The messages between the detection pool (main thread) and its workers. */
import type { FastifySchemaValidationError } from "fastify";
import type { ErrorDetails } from "../../core/errors.js";
import type { DecodeLimits } from "../../text/decode-budget.js";
import type { ScanOptions, ScanResult } from "../../detect/document-scan.js";
import type { Verdict } from "../../detect/types.js";
import type { BodyRoute } from "./request-options.js";

/** Given to each worker when it starts: the limits the routes' body schemas are built with. */
export interface WorkerSetup {
  bodyLimits: { maxTextChars: number; maxBatch: number };
  /**
   * What a screened body's answer carries for its detection events: undefined, nothing
   * (events off); 0, the texts' lengths; n, also their first n characters.
   */
  eventText?: number | undefined;
}

/**
 * What a request body held that its detection events need: the end user it names and,
 * per text (a batch's in order), its length and, unless events keep no text, the text or
 * its first characters. A worker sends only those (a few KiB), never the whole body back.
 */
export interface BodySeen {
  subject?: string;
  texts: { length: number; text?: string | undefined; shadow?: string | undefined }[];
  /**
   * Set by a worker: it drew the shadow model's sample (the task's `shadowSample`, maybe 0);
   * the texts it sampled carry `shadow`, the whole text, and no other text may be sampled.
   */
  sampledByWorker?: boolean;
}

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
  | { type: "scan"; id: number; content: string; options: ScanOptions }
  /** A request body as it arrived: the worker parses, validates and screens it. */
  | { type: "body"; id: number; route: BodyRoute; bytes: Uint8Array; shadowSample?: number };

export type ToWorker = ModelLoad | PoolTask;

/** A refusal the main thread answers as it would its own BulwarkError. */
export interface RefusalMessage {
  code: string;
  message: string;
  status: number;
  details?: ErrorDetails;
}

export type FromWorker =
  | { type: "loaded"; sha256: string }
  | { type: "load-failed"; message: string }
  | { type: "done"; id: number; result: Verdict | Verdict[] | ScanResult; seen?: BodySeen }
  | { type: "failed"; id: number; message: string }
  /** The body is not acceptable JSON (INVALID_JSON, DUPLICATE_KEY...). */
  | { type: "refused"; id: number; error: RefusalMessage }
  /** The body does not match the route's schema: answered 400 VALIDATION_ERROR as usual. */
  | { type: "invalid"; id: number; errors: FastifySchemaValidationError[] }
  /** A valid body the worker cannot screen alone (it names detectors): the main thread will. */
  | { type: "parsed"; id: number; body: unknown };
