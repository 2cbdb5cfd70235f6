/**
 * The detection routes' side of shadow models: the runner built from the settings (the
 * registry through the server's model cache loads the challenger), and the request-path
 * step, which for each screened text makes one sampling draw and, when sampled, hands the
 * runner references. Texts a detection worker screened were sampled in the worker, which
 * sent back those texts whole (see pool-protocol.ts BodySeen), so the shadow model scores
 * exactly what production scored.
 */
import type { FastifyRequest } from "fastify";
import type { EventRoute } from "../../analytics/events/index.js";
import { loadShadowDetector, ShadowRunner } from "../../analytics/shadow/index.js";
import type { App } from "../../app/app.js";
import type { Logger } from "../../core/logger.js";
import type { Verdict } from "../../detect/types.js";
import type { ModelCache } from "../../registry/model-cache.js";
import { ModelRegistry } from "../../registry/registry.js";
import type { ServiceMetrics } from "../metrics/registry.js";
import type { BodySeen } from "./pool-protocol.js";

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
