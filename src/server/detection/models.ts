/**
 * The model in service. Detection reads `current` synchronously on the hot path; a reload
 * (after a promotion or rollback, or when another process promoted: polled) swaps it
 * atomically, so requests in flight finish on the model they started with.
 */
import type { Logger } from "pino";
import { BulwarkError } from "../../core/errors.js";
import { Ensemble } from "../../detect/ensemble.js";
import type { DetectOptions, Detector, ModelRef, Verdict } from "../../detect/types.js";
import type { ServiceMetrics } from "../metrics/registry.js";

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

  constructor(
    private readonly source: ModelSource,
    private readonly metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {}

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

  /** A verdict at once when every detector asked for answers at once (the built-in model does). */
  detect(text: string, options: DetectOptions, names?: readonly string[]): Verdict | Promise<Verdict> {
    const answer = this.current(names).detect(text, options);
    if (answer instanceof Promise) return answer.then((v) => this.count(v));
    return this.count(answer);
  }

  count(verdict: Verdict): Verdict {
    const id = verdict.flagged ? (verdict.category ?? "unknown") : "none";
    let c = this.counters.get(id);
    if (c === undefined) {
      c = this.metrics.detections.labels({ verdict: verdict.flagged ? "flagged" : "clean", category: id });
      this.counters.set(id, c);
    }
    c.inc();
    return verdict;
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
    return next.model;
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

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
