/**
 * The model in service. Detection reads `current` synchronously on the hot path; a reload
 * (after a promotion or rollback, or when another process promoted: polled) swaps it
 * atomically, so requests in flight finish on the model they started with.
 */
import type { Logger } from "pino";
import { BulwarkError, isBulwarkError } from "../../core/errors.js";
import { BuiltinDetector } from "../../detect/builtin.js";
import { scanDocument, type ScanOptions, type ScanResult } from "../../detect/document-scan.js";
import { Ensemble } from "../../detect/ensemble.js";
import type { Detector, ModelRef, Verdict } from "../../detect/types.js";
import { DecodeBudget } from "../../text/decode-budget.js";
import type { PlainChild } from "../metrics/plain.js";
import type { ServiceMetrics } from "../metrics/registry.js";
import type { BodyOutcome, DetectionPool } from "./pool.js";
import type { BodyRoute, RequestOptions } from "./request-options.js";

/** Where the production detectors come from: the registry in service, anything in tests. */
export interface ModelSource {
  load(): Promise<Detector>;
  /** The SHA-256 of the production model now, when it is cheap to ask (polling uses it). */
  productionSha256?(): Promise<string | undefined>;
}

export class ModelService {
  private ensemble: Ensemble | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly counters = new Map<string, { inc(): void }>();
  /** Per route: the answer counters' children, clean then flagged. */
  private readonly answers = new Map<string, [PlainChild, PlainChild]>();

  constructor(
    private readonly source: ModelSource,
    private readonly metrics: ServiceMetrics,
    private readonly logger: Logger,
    /** Worker threads for large inputs; without one, everything runs here. */
    private readonly pool?: DetectionPool,
  ) {
    if (pool) metrics.poolQueue.read = () => pool.queued;
  }

  get ready(): boolean {
    return this.ensemble !== undefined;
  }

  get model(): ModelRef | undefined {
    return this.ensemble?.model;
  }

  /** Names of the detectors in service. */
  get names(): string[] {
    return this.ensemble?.names ?? [];
  }

  /** The detectors in service, or the ones a request named (UNKNOWN_DETECTOR otherwise). */
  current(names?: readonly string[]): Ensemble {
    if (!this.ensemble)
      throw new BulwarkError("MODEL_NOT_READY", "the model is still loading: retry shortly", 503);
    return this.ensemble.select(names);
  }

  /**
   * A verdict at once when every detector asked for answers at once (the built-in model does)
   * and the text is small; a large text waits for the worker pool.
   */
  detect(text: string, options: RequestOptions, names?: readonly string[]): Verdict | Promise<Verdict> {
    const detector = this.current(names);
    if (this.pooled(detector, text.length))
      return this.pool!.batch([text], options).then(([v]) => this.count(v!));
    const answer = detector.detect(text, options);
    if (answer instanceof Promise) return answer.then((v) => this.count(v));
    return this.count(answer);
  }

  /**
   * The texts of one request, sharing one decoding budget. Large ones (by total characters)
   * go to the worker pool when it serves this very model; the rest answer here at once.
   */
  detectBatch(
    texts: string[],
    options: RequestOptions,
    names?: readonly string[],
  ): Verdict[] | Promise<Verdict[]> {
    const detector = this.current(names);
    const chars = texts.reduce((n, t) => n + t.length, 0);
    if (this.pooled(detector, chars)) {
      return this.pool!.batch(texts, options).then((verdicts) => verdicts.map((v) => this.count(v)));
    }
    const shared = { ...options, decodeBudget: DecodeBudget.forRequest() };
    const answers = texts.map((t) => detector.detect(t, shared));
    if (answers.some((a) => a instanceof Promise))
      return Promise.all(answers).then((verdicts) => verdicts.map((v) => this.count(v)));
    return (answers as Verdict[]).map((v) => this.count(v));
  }

  /** A document scan, in the pool when the document is large. */
  async scan(content: string, options: ScanOptions, names?: readonly string[]): Promise<ScanResult> {
    const detector = this.current(names);
    const result = this.pooled(detector, content.length)
      ? await this.pool!.scan(content, options)
      : await scanDocument(detector, content, options);
    this.count(result.verdict);
    return result;
  }

  /**
   * Whether a request body of `bytes` bytes should be parsed and screened in the pool
   * rather than on this thread (see DeferredBody): when it is large and the workers hold
   * the model in service.
   */
  defers(bytes: number): boolean {
    return this.ensemble !== undefined && this.pooled(this.ensemble, bytes);
  }

  /**
   * A request body screened by a worker (its bytes move there); verdicts are counted here.
   * The worker samples `shadowSample` of its texts for the shadow model.
   */
  async screenBody(route: BodyRoute, bytes: Uint8Array, shadowSample = 0): Promise<BodyOutcome> {
    let outcome: BodyOutcome;
    try {
      outcome = await this.pool!.body(route, bytes, shadowSample);
    } catch (err) {
      // Bad JSON or a schema failure; a busy pool or a dead worker is not the body's fault.
      const refused = isBulwarkError(err) ? err.status === 400 : (err as { validation?: unknown }).validation;
      if (refused) this.metrics.pooledBodies.inc({ route, outcome: "refused" });
      throw err;
    }
    this.metrics.pooledBodies.inc({ route, outcome: outcome.kind === "result" ? "screened" : "handed_back" });
    if (outcome.kind === "result") {
      const r = outcome.result;
      if (Array.isArray(r)) r.forEach((v) => this.count(v));
      else this.count("verdict" in r ? r.verdict : r);
    }
    return outcome;
  }

  /** Only the built-in model alone runs in the pool, and only the one the workers hold. */
  private pooled(detector: Ensemble, chars: number): boolean {
    const only = detector.members.length === 1 ? detector.members[0] : undefined;
    return (
      only instanceof BuiltinDetector && this.pool !== undefined && this.pool.wants(chars, only.model.sha256)
    );
  }

  /** Counts a verdict for the metrics: by verdict and category, and its time. */
  count(verdict: Verdict): Verdict {
    this.metrics.detectionSeconds.observe(verdict.latencyMs / 1000);
    const id = verdict.flagged ? (verdict.category ?? "unknown") : "none";
    let c = this.counters.get(id);
    if (c === undefined) {
      c = this.metrics.detections.labels({ verdict: verdict.flagged ? "flagged" : "clean", category: id });
      this.counters.set(id, c);
    }
    c.inc();
    return verdict;
  }

  /** Counts one detection request by its answer: flagged when any of its texts was. */
  answered(route: BodyRoute, verdicts: readonly Verdict[]): void {
    let c = this.answers.get(route);
    if (c === undefined) {
      const { answers } = this.metrics;
      c = [answers.child({ route, answer: "clean" }), answers.child({ route, answer: "flagged" })];
      this.answers.set(route, c);
    }
    let flagged = false;
    for (const v of verdicts) if (v.flagged) flagged = true;
    c[flagged ? 1 : 0].n++;
  }

  /** Loads the production model (the shipped one registered on first start when there is none). */
  async load(): Promise<ModelRef> {
    const loaded = await this.source.load();
    const next = loaded instanceof Ensemble ? loaded : new Ensemble([loaded]);
    const previous = this.ensemble?.model;
    this.ensemble = next;
    if (previous) this.metrics.modelInfo.remove(previous.name, previous.version, previous.sha256);
    this.metrics.modelInfo.set(
      { name: next.model.name, version: next.model.version, sha256: next.model.sha256 },
      1,
    );
    if (previous?.sha256 !== next.model.sha256) {
      this.logger.info({ model: next.model }, previous ? "model changed" : "model loaded");
    }
    await this.reloadPool(next);
    return next.model;
  }

  /** The workers get the model the main thread now serves; until they hold it, it all runs here. */
  private async reloadPool(ensemble: Ensemble): Promise<void> {
    const only = ensemble.members.length === 1 ? ensemble.members[0] : undefined;
    if (!this.pool || !(only instanceof BuiltinDetector) || this.pool.sha256 === only.model.sha256) return;
    try {
      await this.pool.setModel(only);
    } catch (err) {
      this.logger.error(
        { err },
        "the detection workers could not load the model; large requests run on the main thread",
      );
    }
  }

  /** Re-reads the production model every `seconds`, so a promotion made elsewhere takes effect here. */
  startPolling(seconds: number): void {
    if (seconds <= 0) return;
    const poll = this.source.productionSha256?.bind(this.source);
    if (!poll) return;
    this.timer = setInterval(() => {
      poll()
        .then((sha) => (sha && sha !== this.ensemble?.model.sha256 ? this.load() : undefined))
        .catch((err: unknown) => this.logger.warn({ err }, "could not reload the production model"));
    }, seconds * 1000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.pool?.close();
  }
}
