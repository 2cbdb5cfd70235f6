/**
 * The detection pool: worker threads that screen large inputs, so a megabyte batch costs
 * its sender time and never the server's request thread. Small texts (almost all traffic)
 * stay on the main thread, where they answer in microseconds. Each worker holds the model
 * the main thread serves, rebuilt from its bytes and checked against its SHA-256, and is
 * given the new one whenever the production model changes. The work waiting in the pool
 * is capped in characters: beyond the cap the server answers 503 DETECTION_BUSY with
 * Retry-After rather than queueing without end.
 */
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { BulwarkError } from "../../core/errors.js";
import type { BuiltinDetector } from "../../detect/builtin.js";
import type { ScanOptions, ScanResult } from "../../detect/document-scan.js";
import type { Verdict } from "../../detect/types.js";
import type { FastifyError } from "fastify";
import type { BodySeen, FromWorker, ModelLoad, PoolTask, WorkerSetup } from "./pool-protocol.js";
import type { BodyRoute } from "./request-options.js";

export interface DetectionPoolSettings {
  /** Worker threads (0: everything runs on the main thread). */
  workers: number;
  /** A request whose texts add up to at least this many characters goes to the pool. */
  minChars: number;
  /** Characters of work accepted by the pool and not yet finished, beyond which it refuses. */
  queueChars: number;
  /** The limits the detection routes' body schemas are built with (workers validate bodies). */
  bodyLimits: WorkerSetup["bodyLimits"];
  /** What screened bodies' answers carry for detection events (see WorkerSetup). */
  eventText?: number | undefined;
}

/** What a worker made of a request body: a result, or the parsed body for the request thread. */
export type BodyOutcome =
  | { kind: "result"; result: Verdict | Verdict[] | ScanResult; seen?: BodySeen | undefined }
  | { kind: "parsed"; body: unknown };

const RETRY_AFTER_SECONDS = 2;

export class DetectionBusyError extends BulwarkError {
  constructor(queued: number, cap: number) {
    super(
      "DETECTION_BUSY",
      `the server is screening ${queued} characters of large requests already (cap ${cap}): retry shortly`,
      503,
      { retryAfterSeconds: RETRY_AFTER_SECONDS },
    );
  }
}

type TaskInput =
  | { type: "batch"; texts: string[]; options: { threshold?: number; evidence?: boolean } }
  | { type: "scan"; content: string; options: ScanOptions }
  | { type: "body"; route: BodyRoute; bytes: Uint8Array; shadowSample?: number };

interface Pending {
  task: PoolTask;
  chars: number;
  /** Buffers moved, not copied, to the worker. */
  transfer: ArrayBuffer[];
  resolve: (answer: unknown) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | undefined;
  /** The SHA-256 of the model this worker has loaded (undefined until it said so). */
  sha256: string | undefined;
}

export class DetectionPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private queuedChars = 0;
  private nextId = 1;
  private load: ModelLoad | undefined;
  private closed = false;

  constructor(
    readonly settings: DetectionPoolSettings,
    private readonly logger: Logger,
    private readonly workerUrl: URL = new URL("./pool-worker.js", import.meta.url),
  ) {
    for (let i = 0; i < settings.workers; i++) this.slots.push(this.spawn());
  }

  /** The SHA-256 every worker serves, when they all serve the same model. */
  get sha256(): string | undefined {
    const first = this.slots[0]?.sha256;
    return first !== undefined && this.slots.every((s) => s.sha256 === first) ? first : undefined;
  }

  /** Characters of work accepted and not yet finished (the figure the cap applies to). */
  get queued(): number {
    return this.queuedChars;
  }

  /** Whether work of `chars` characters on the model `sha256` should go to the pool. */
  wants(chars: number, sha256: string): boolean {
    return !this.closed && this.slots.length > 0 && chars >= this.settings.minChars && this.sha256 === sha256;
  }

  /** Gives every worker the detector the main thread now serves; resolves once they all load it. */
  async setModel(detector: BuiltinDetector): Promise<void> {
    const artifact = detector.builtin.serialize();
    this.load = {
      type: "load",
      artifact,
      sha256: detector.model.sha256,
      options: { threshold: detector.threshold, window: detector.window, decode: detector.decodeLimits },
    };
    await Promise.all(this.slots.map((slot) => this.loadInto(slot)));
  }

  batch(texts: string[], options: { threshold?: number; evidence?: boolean }): Promise<Verdict[]> {
    const chars = texts.reduce((n, t) => n + t.length, 0);
    return this.submit({ type: "batch", texts, options }, chars) as Promise<Verdict[]>;
  }

  scan(content: string, options: ScanOptions): Promise<ScanResult> {
    return this.submit({ type: "scan", content, options }, content.length) as Promise<ScanResult>;
  }

  /**
   * A request body, parsed, validated and screened in a worker. Its bytes are moved to the
   * worker (the caller must not read them afterwards); their count stands for characters.
   * `shadowSample`: the share of its texts the worker samples for the shadow model.
   */
  body(route: BodyRoute, bytes: Uint8Array, shadowSample = 0): Promise<BodyOutcome> {
    // Only a buffer the bytes fill alone can be moved; a view into a shared one is copied.
    const own =
      bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength &&
      bytes.buffer instanceof ArrayBuffer
        ? bytes
        : new Uint8Array(bytes);
    const input: TaskInput = {
      type: "body",
      route,
      bytes: own,
      ...(shadowSample > 0 ? { shadowSample } : {}),
    };
    return this.submit(input, bytes.byteLength, [own.buffer as ArrayBuffer]) as Promise<BodyOutcome>;
  }

  async close(): Promise<void> {
    this.closed = true;
    const gone = new BulwarkError("SHUTTING_DOWN", "the server is shutting down", 503);
    for (const p of this.waiting.splice(0)) p.reject(gone);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private submit(input: TaskInput, chars: number, transfer: ArrayBuffer[] = []): Promise<unknown> {
    // One oversized request is still served when nothing else waits; only a pile-up is refused.
    if (this.queuedChars > 0 && this.queuedChars + chars > this.settings.queueChars)
      throw new DetectionBusyError(this.queuedChars, this.settings.queueChars);
    this.queuedChars += chars;
    return new Promise((resolve, reject) => {
      this.waiting.push({
        task: { ...input, id: this.nextId++ } as PoolTask,
        chars,
        transfer,
        resolve,
        reject,
      });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.busy || slot.sha256 === undefined || slot.sha256 !== this.load?.sha256) continue;
      const next = this.waiting.shift()!;
      slot.busy = next;
      slot.worker.postMessage(next.task, next.transfer);
    }
  }

  private finish(slot: Slot, settle: (p: Pending) => void): void {
    const p = slot.busy;
    if (!p) return;
    slot.busy = undefined;
    this.queuedChars -= p.chars;
    settle(p);
    this.dispatch();
  }

  private spawn(): Slot {
    const setup: WorkerSetup = { bodyLimits: this.settings.bodyLimits, eventText: this.settings.eventText };
    const slot: Slot = {
      worker: new Worker(this.workerUrl, { workerData: setup }),
      busy: undefined,
      sha256: undefined,
    };
    slot.worker.unref();
    slot.worker.on("message", (msg: FromWorker) => {
      if (msg.type === "done")
        this.finish(slot, (p) =>
          p.resolve(
            p.task.type === "body" ? { kind: "result", result: msg.result, seen: msg.seen } : msg.result,
          ),
        );
      else if (msg.type === "parsed") this.finish(slot, (p) => p.resolve({ kind: "parsed", body: msg.body }));
      else if (msg.type === "refused") {
        const { code, message, status, details } = msg.error;
        this.finish(slot, (p) => p.reject(new BulwarkError(code, message, status, details)));
      } else if (msg.type === "invalid") this.finish(slot, (p) => p.reject(validationError(msg.errors)));
      else if (msg.type === "failed")
        this.finish(slot, (p) => p.reject(new Error(`detection worker: ${msg.message}`)));
    });
    slot.worker.on("error", (err) => this.logger.error({ err }, "detection worker failed"));
    slot.worker.on("exit", (code) => {
      if (this.closed) return;
      // A worker that died (out of memory, say) fails its request and is replaced.
      this.logger.error({ code }, "detection worker exited; starting another");
      this.finish(slot, (p) => p.reject(new Error(`detection worker exited with code ${code}`)));
      const index = this.slots.indexOf(slot);
      const fresh = this.spawn();
      this.slots[index] = fresh;
      if (this.load)
        this.loadInto(fresh).catch((err: unknown) =>
          this.logger.error({ err }, "detection worker could not load the model"),
        );
    });
    return slot;
  }

  private loadInto(slot: Slot): Promise<void> {
    const load = this.load!;
    return new Promise((resolve, reject) => {
      const done = () => {
        slot.worker.off("message", onMessage);
        slot.worker.off("exit", onExit);
      };
      const onMessage = (msg: FromWorker) => {
        if (msg.type !== "loaded" && msg.type !== "load-failed") return;
        done();
        if (msg.type === "load-failed")
          return reject(new Error(`detection worker refused the model: ${msg.message}`));
        slot.sha256 = msg.sha256;
        this.dispatch();
        resolve();
      };
      // A worker that dies while loading must not leave the model reload waiting for ever.
      const onExit = () => {
        done();
        reject(new Error("detection worker exited while loading the model"));
      };
      slot.worker.on("message", onMessage);
      slot.worker.once("exit", onExit);
      // Each worker gets its own copy; the main thread keeps the detector it serves.
      slot.worker.postMessage({ ...load, artifact: new Uint8Array(load.artifact) });
    });
  }
}

/** A schema failure found by a worker, shaped as fastify's own so it is answered the same way. */
function validationError(errors: FastifyError["validation"]): FastifyError {
  const err = new Error("the body does not match the route's schema") as FastifyError;
  err.validation = errors;
  err.validationContext = "body";
  err.statusCode = 400;
  return err;
}
