/**
 * The HTTP app: fastify with strict validation, the error envelope, security headers,
 * one guard (rate limits, authentication, roles), metrics, request logs, the OpenAPI
 * docs, and the route groups. Building it does no I/O beyond what the context holds, so
 * tests can build an app over any context.
 */
import Fastify, { LogController, type FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import type { ServerContext } from "./context.js";
import { clientErrorHandler, installErrorHandling } from "./errors.js";
import { installDocs } from "./plugins/docs.js";
import { installGuard } from "./plugins/guard.js";
import { installJsonBody } from "./plugins/json-body.js";
import { DatabaseGauges } from "./metrics/business.js";
import { installMetrics } from "./plugins/metrics.js";
import { installRequestLog } from "./plugins/request-log.js";
import { installSecurityHeaders } from "./plugins/security-headers.js";
import { installSessionCookie } from "./plugins/session-cookie.js";
import { installTracing } from "./plugins/tracing.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { sessionRoutes } from "./routes/session.js";
import { analyticsRoutes } from "./routes/analytics.js";
import { driftRoutes } from "./routes/drift.js";
import { auditRoutes } from "./routes/audit.js";
import { authRoutes } from "./routes/auth.js";
import { detectRoutes } from "./routes/detect.js";
import { feedbackRoutes } from "./routes/feedback.js";
import { healthRoutes } from "./routes/health.js";
import { jobRoutes } from "./routes/jobs.js";
import { keyRoutes } from "./routes/keys.js";
import { presignedRoutes } from "./routes/presigned.js";
import { privacyRedactRoutes } from "./routes/privacy-redact.js";
import { storageRoutes } from "./routes/storage.js";
import { userRoutes } from "./routes/users.js";
import { datasetRoutes } from "./routes/datasets.js";
import { modelRoutes } from "./routes/models.js";
import { outputRoutes } from "./routes/output.js";
import { trainingRoutes } from "./routes/training.js";
import { redTeamRoutes } from "./routes/redteam.js";
import { learnRoutes } from "./routes/learn.js";
import { privacyRightsRoutes } from "./routes/privacy-rights.js";
import { shadowRoutes } from "./routes/shadow.js";
import { backupRoutes } from "./routes/backups.js";
import { sharedSchemas } from "./schemas/shared.js";
import { installValidators } from "./validation.js";

export interface AppOptions {
  https?: { key: Buffer; cert: Buffer } | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export async function buildApp(ctx: ServerContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger,
    // One line per request is written by the request-log hook instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // A caller's X-Request-Id is kept when it is sane, so its logs and ours line up.
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: ctx.config.server.bodyLimitBytes,
    trustProxy: ctx.settings.trustProxy,
    requestTimeout: 120_000,
    return503OnClosing: true,
    clientErrorHandler,
    routerOptions: { maxParamLength: 256 },
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;

  installTracing(app); // first: its span covers every other hook
  installValidators(app);
  installJsonBody(app);
  for (const schema of sharedSchemas) app.addSchema(schema);
  installErrorHandling(app);

  await installSecurityHeaders(app, {
    // The API serves JSON; the docs (Swagger UI) set their own CSP.
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    hsts: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  installRequestLog(app, ctx.logger);
  await installSessionCookie(app);
  installGuard(app, ctx);
  const business = new DatabaseGauges(
    ctx.app.db,
    (figures) => ctx.metrics.setDatabaseFigures(figures),
    (err) => ctx.logger.warn({ err }, "the business metrics could not be read from the database"),
  );
  installMetrics(app, ctx.metrics, {
    token: ctx.config.server.metricsToken,
    beforeScrape: async () => {
      await business.refresh();
      const counts = await ctx.jobs.store.countByStatus();
      for (const [state, n] of Object.entries(counts)) ctx.metrics.jobs.set({ state }, n);
    },
  });
  await installDocs(app, { version: ctx.version, publicDocs: ctx.settings.publicDocs });

  await app.register(healthRoutes(ctx));
  await app.register(detectRoutes(ctx));
  await app.register(outputRoutes(ctx));
  await app.register(privacyRedactRoutes(ctx));
  await app.register(feedbackRoutes(ctx));
  await app.register(authRoutes(ctx));
  await app.register(sessionRoutes(ctx));
  await app.register(dashboardRoutes());
  await app.register(userRoutes(ctx));
  await app.register(keyRoutes(ctx));
  await app.register(auditRoutes(ctx));
  await app.register(jobRoutes(ctx));
  await app.register(storageRoutes(ctx));
  await app.register(presignedRoutes(ctx));
  await app.register(datasetRoutes(ctx));
  await app.register(modelRoutes(ctx));
  await app.register(trainingRoutes(ctx));
  await app.register(redTeamRoutes(ctx));
  await app.register(learnRoutes(ctx));
  await app.register(privacyRightsRoutes(ctx));
  await app.register(analyticsRoutes(ctx));
  await app.register(shadowRoutes(ctx));
  await app.register(driftRoutes(ctx));
  await app.register(backupRoutes(ctx));
  return app;
}
