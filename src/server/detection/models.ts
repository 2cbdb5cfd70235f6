/**
 * The model in service. Detection reads `current` synchronously on the hot path; a reload
 * (after a promotion or rollback, or when another process promoted: polled) swaps it
 * atomically, so requests in flight finish on the model they started with.
 */
import type { Logger } from "pino";
import { BulwarkError } from "../../core/errors.js";
import type { BuiltinDetector } from "../../detect/builtin.js";
import type { DetectOptions, Detector, ModelRef, Verdict } from "../../detect/types.js";
import type { ServiceMetrics } from "../metrics/registry.js";

/** Where the production model comes from: the registry in service, anything in tests. */
export interface ModelSource {
  load(): Promise<BuiltinDetector>;
  /** The SHA-256 of the production model now, when it is cheap to ask (polling uses it). */
  productionSha256?(): Promise<string | undefined>;
}

export interface DetectorVerdict extends Verdict {
  /** Each detector's own score, when more than one was asked for. */
  detectors?: { name: string; score: number; flagged: boolean }[];
}

export class ModelService {
  private detector: BuiltinDetector | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly counters = new Map<string, { inc(): void }>();

  constructor(
    private readonly source: ModelSource,
    private readonly metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {}

  get ready(): boolean {
    return this.detector !== undefined;
  }

  get model(): ModelRef | undefined {
    return this.detector?.model;
  }

  /** The detector names a request may ask for. */
  static readonly NAMES = ["builtin"] as const;

  current(): BuiltinDetector {
    if (!this.detector)
      throw new BulwarkError("MODEL_NOT_READY", "the model is still loading: retry shortly", 503);
    return this.detector;
  }

  private detectorsFor(names: readonly string[] | undefined): Detector[] {
    const d = this.current();
    if (!names || names.length === 0) return [d];
    return names.map((n) => {
      if (n === "builtin") return d;
      throw new BulwarkError("UNKNOWN_DETECTOR", `unknown detector "${n}" (available: builtin)`, 400);
    });
  }

  detect(text: string, options: DetectOptions, names?: readonly string[]): DetectorVerdict {
    const detectors = this.detectorsFor(names);
    let verdict: DetectorVerdict;
    if (detectors.length === 1) verdict = detectors[0]!.detect(text, options);
    else {
      const all = detectors.map((d) => ({ name: d.name, verdict: d.detect(text, options) }));
      const worst = all.reduce((a, b) => (b.verdict.score > a.verdict.score ? b : a));
      verdict = {
        ...worst.verdict,
        flagged: all.some((x) => x.verdict.flagged),
        detectors: all.map((x) => ({ name: x.name, score: x.verdict.score, flagged: x.verdict.flagged })),
      };
    }
    this.count(verdict);
    return verdict;
  }

  count(verdict: Verdict): void {
    const id = verdict.flagged ? (verdict.category ?? "unknown") : "none";
    let c = this.counters.get(id);
    if (c === undefined) {
      c = this.metrics.detections.labels({ verdict: verdict.flagged ? "flagged" : "clean", category: id });
      this.counters.set(id, c);
    }
    c.inc();
  }

  /** Loads the production model (training the built-in one on first start when there is none). */
  async load(): Promise<ModelRef> {
    const next = await this.source.load();
    const previous = this.detector?.model;
    this.detector = next;
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
        .then((sha) => (sha && sha !== this.detector?.model.sha256 ? this.load() : undefined))
        .catch((err: unknown) => this.logger.warn({ err }, "could not reload the production model"));
    }, seconds * 1000);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
