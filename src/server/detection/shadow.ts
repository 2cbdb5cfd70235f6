/**
 * The detection routes' side of shadow models: the runner built from the settings (the
 * registry through the server's model cache loads the challenger), and the request-path
 * step, which for each screened text makes one sampling draw and, when sampled, hands the
 * runner references. Texts a detection worker screened were sampled in the worker, which
 * sent back those texts whole (see pool-protocol.ts BodySeen), so the shadow model scores
 * exactly what production scored. Those large texts are scored by a worker thread of the
 * shadow model's own (started when a built-in shadow model is loaded, with the detection
 * pool's size limits), so they never hold up the request thread either.
 */
import type { FastifyRequest } from "fastify";
import type { EventRoute } from "../../analytics/events/index.js";
import { loadShadowDetector, ShadowRunner, type ShadowOffload } from "../../analytics/shadow/index.js";
import type { App } from "../../app/app.js";
import type { Logger } from "../../core/logger.js";
import { BuiltinDetector } from "../../detect/builtin.js";
import type { Detector, Verdict } from "../../detect/types.js";
import type { ModelCache } from "../../registry/model-cache.js";
import { ModelRegistry } from "../../registry/registry.js";
import type { ServiceMetrics } from "../metrics/registry.js";
import type { BodySeen } from "./pool-protocol.js";
import { DetectionPool } from "./pool.js";

export function shadowRunner(
  app: App,
  metrics: ServiceMetrics,
  logger: Logger,
  cache?: ModelCache,
): ShadowRunner {
  const registry = new ModelRegistry(app.db, app.store, {
    actor: "system:shadow",
    audit: app.audit,
    ...(cache ? { cache } : {}),
  });
  const m = metrics.shadow;
  const compared = {
    agree: m.compared.labels({ agreement: "agree" }),
    disagree: m.compared.labels({ agreement: "disagree" }),
  };
  const runner = new ShadowRunner({
    db: app.db,
    redactor: app.privacy.redactor,
    subject: app.privacy.subject,
    settings: {
      maxQueue: app.settings.shadow.maxQueue,
      text: app.settings.events.text,
      maxTextChars: app.settings.events.maxTextChars,
    },
    logger,
    load: (ref) => loadShadowDetector(registry, ref, app.config.detector.threshold),
    fromEnv: app.settings.shadow.fromEnv,
    offload: app.settings.detectPool.workers > 0 ? new ShadowPool(app, logger) : undefined,
    meters: {
      compared: (agree) => (agree ? compared.agree : compared.disagree).inc(),
      dropped: (reason, n) => m.dropped.inc({ reason }, n),
      scoreSeconds: (s) => m.scoreSeconds.observe(s),
    },
  });
  m.queued.read = () => runner.queued;
  return runner;
}

/**
 * The sampled texts of one request, handed to the runner (a batch's verdicts are in its
 * texts' order). `seen` holds the texts by reference when the request thread parsed the
 * body, or what a worker sent back: then only the texts it sampled carry `shadow`.
 */
export function shadowDetections(
  runner: ShadowRunner | undefined,
  request: FastifyRequest,
  route: EventRoute,
  verdicts: readonly Verdict[],
  seen: BodySeen,
  subject: string | undefined,
): void {
  if (!runner || runner.sample === 0) return;
  let at: number | undefined;
  for (let i = 0; i < verdicts.length; i++) {
    const t = seen.texts[i];
    const text = seen.sampledByWorker ? t?.shadow : t && runner.sampled() ? t.text : undefined;
    if (text === undefined) continue;
    const v = verdicts[i]!;
    runner.offer({
      at: (at ??= Date.now()),
      actor: request.principal?.id ?? "anonymous",
      subject: seen.subject ?? subject,
      route,
      requestId: request.id,
      production: { flagged: v.flagged, score: v.score, category: v.category, model: v.model },
      text,
    });
  }
}

/**
 * One worker thread holding a built-in shadow model, for texts as large as the detection pool
 * takes (BULWARK_DETECT_POOL_MIN_CHARS). Started only when such a model is loaded; a busy
 * worker (beyond a quarter of BULWARK_DETECT_POOL_QUEUE_CHARS waiting) refuses, and the text
 * is dropped and counted as score_failed.
 */
class ShadowPool implements ShadowOffload {
  private pool: DetectionPool | undefined;

  constructor(
    private readonly app: App,
    private readonly logger: Logger,
  ) {}

  async use(detector: Detector | undefined): Promise<void> {
    if (!(detector instanceof BuiltinDetector)) {
      await this.close();
      return;
    }
    const limits = this.app.settings.detectPool;
    this.pool ??= new DetectionPool(
      {
        workers: 1,
        minChars: limits.minChars,
        queueChars: Math.max(limits.minChars, Math.floor(limits.queueChars / 4)),
        bodyLimits: {
          maxTextChars: this.app.config.server.maxTextChars,
          maxBatch: this.app.config.server.maxBatch,
        },
      },
      this.logger,
    );
    await this.pool.setModel(detector);
  }

  score(route: EventRoute, text: string, detector: Detector): Promise<Verdict> | undefined {
    const pool = this.pool;
    if (!pool || !(detector instanceof BuiltinDetector) || !pool.wants(text.length, detector.model.sha256))
      return undefined;
    if (route === "scan") return pool.scan(text, { evidence: false }).then((r) => r.verdict);
    return pool.batch([text], { evidence: false }).then((v) => v[0]!);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }
}
