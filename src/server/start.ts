/**
 * `startServer`: opens the database (migrating it), the object store, the job queue and
 * the rate limiter from configuration, makes sure there is an admin (generated and shown
 * once on first start) and a production model (trained from the bundled corpus on first
 * start), then listens. `close()` undoes all of it in order.
 */
import { HeadAnchorer } from "../audit/anchor.js";
import { readFileSync } from "node:fs";
import { sql } from "kysely";
import { pino } from "pino";
import type { LoggerOptions } from "pino";
import { createLogger, type Logger } from "../core/logger.js";
import { auditChainGauges } from "./metrics/audit-chain.js";
import { driftGauges } from "./metrics/drift.js";
import { scrubValue } from "../privacy/scrub.js";
import { loadConfig, type BulwarkConfig } from "../core/config.js";
import { packageVersion } from "../core/version.js";
import type { DatabaseHandle } from "../db/index.js";
import { openApp } from "../app/app.js";
import { openJobSystem } from "../app/jobs.js";
import { shutdownGraceMs } from "../app/shutdown.js";
import { parseCronSchedule, startSchedule } from "../jobs/schedule.js";
import { buildApp } from "./app.js";
import { Authenticator } from "./auth/authenticator.js";
import { ApiKeyStore } from "./auth/keys.js";
import { CanaryStore } from "./canaries.js";
import { PasswordBudget } from "./auth/password-budget.js";
import { loadOrCreateSecret } from "../db/secrets.js";
import { TokenSigner } from "./auth/tokens.js";
import { UserStore } from "./auth/users.js";
import type { ServerContext } from "./context.js";
import { ModelService, type ModelSource } from "./detection/models.js";
import { DetectionPool } from "./detection/pool.js";
import { eventRecorder, eventTextForWorkers } from "./detection/events.js";
import { shadowRunner } from "./detection/shadow.js";
import { createServiceMetrics } from "./metrics/registry.js";
import { instrumentStore } from "./metrics/store.js";
import { MemoryRateLimiter } from "./rate-limit/memory.js";
import { RedisRateLimiter } from "./rate-limit/redis.js";
import { loadServiceSettings, type ServiceSettings } from "../app/settings.js";
import { startTracing, tracingConfigured } from "../app/tracing.js";
import { traceLogFields } from "../core/tracing.js";
import type { FastifyInstance } from "fastify";
import { registryModelSource } from "./detection/source.js";
import { modelCacheObserver } from "./metrics/model-cache.js";
import { ModelCache } from "../registry/model-cache.js";
import type { TrainProgress } from "../train/builtin-trainer.js";

export interface StartOptions {
  config?: BulwarkConfig;
  settings?: ServiceSettings;
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Where the production model comes from (default: the registry, trained on first start). */
  models?: ModelSource;
  /** Shown the generated admin credential on first start (once). */
  onFirstAdmin?: (credential: { username: string; password: string }) => void;
  onTrainProgress?: (p: TrainProgress) => void;
  /** Told when the first start put a model into production: the one shipped in the package, or one trained. */
  onModelBootstrap?: (how: "shipped" | "trained", ref: string) => void;
  /** Start the periodic audit snapshots, scheduled learning cycles and retention runs, and model polling (default true). */
  timers?: boolean;
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  ctx: ServerContext;
  db: DatabaseHandle;
  close(): Promise<void>;
}

/** The server's logger: personal data is masked in every line (src/privacy/scrub.ts). */
export function createServerLogger(destination?: NodeJS.WritableStream, options: LoggerOptions = {}): Logger {
  return createLogger({ name: "bulwark", ...options }, destination, { scrub: scrubValue });
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const config = options.config ?? loadConfig(env);
  const settings = options.settings ?? loadServiceSettings(env);
  const cleanup: (() => Promise<void> | void)[] = [];
  let logger: Logger;
  if (options.logger) logger = options.logger;
  else {
    // One log line per request: written in batches of 8 KiB (or every 250 ms) rather than
    // one write(2) each. On shutdown the buffer is flushed; a crash loses at most that much.
    const destination = pino.destination({ dest: 1, sync: false, minLength: 8_192 });
    // With tracing on, every line logged inside a traced request or job names its trace.
    logger = createServerLogger(
      destination as unknown as NodeJS.WritableStream,
      tracingConfigured(env) ? { mixin: traceLogFields } : {},
    );
    const flusher = setInterval(() => destination.flush(), 250);
    flusher.unref();
    cleanup.push(() => {
      clearInterval(flusher);
      destination.flushSync();
    });
  }
  const close = async () => {
    for (const f of cleanup.reverse())
      await Promise.resolve(f()).catch((err: unknown) => logger.warn({ err }, "shutdown step failed"));
    cleanup.length = 0;
  };

  try {
    // Before anything that makes spans; shut down (flushing its spans) after all of it.
    const tracing = await startTracing(env, {
      serviceName: "bulwark",
      onWarning: (message) => logger.warn({ warning: message }, "tracing problem"),
    });
    cleanup.push(() => tracing.shutdown());
    const metrics = createServiceMetrics();
    const publicUrl =
      env.BULWARK_PUBLIC_URL ??
      `${config.server.tlsCert ? "https" : "http"}://${config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host}:${config.server.port}`;
    const app = await openApp({
      config,
      settings,
      env,
      publicUrl,
      wrapStore: (store) => instrumentStore(store, metrics),
      onWarning: (message) => logger.warn({ warning: message }, "security warning"),
    });
    cleanup.push(() => app.close());
    const { db, store, audit } = app;

    // Closed after the HTTP server (no request can record any more), before the database.
    const events = eventRecorder(app, metrics, logger);
    if (events) cleanup.push(() => events.close());
    driftGauges(app, metrics.registry, logger);
    auditChainGauges(metrics.registry, {
      verify: () => audit.verify(store),
      refreshMs: settings.audit.verifyMinutes * 60_000,
      onError: (err) => logger.warn({ err }, "could not verify the audit chain for the metrics"),
    });

    // Seal the chain head every few entries (off the request path) and, below, every minute.
    const anchorer = new HeadAnchorer(
      audit,
      store,
      {
        every: settings.audit.anchorEvery,
        intervalMs: settings.audit.anchorIntervalSeconds * 1000,
        mode: settings.audit.snapshotMode,
        retentionDays: settings.audit.anchorRetentionDays,
      },
      (err) => logger.warn({ err }, "could not anchor the audit head"),
      (r) => {
        if (!r.locked)
          logger.warn({ key: r.key }, "audit head anchored NOT locked: the bucket has no Object Lock");
      },
    );
    audit.onCommitted((head) => anchorer.noticed(head.seq));
    cleanup.push(() => anchorer.close());

    const users = new UserStore(db.db);
    const keys = new ApiKeyStore(db.db);
    const signer = new TokenSigner(await loadOrCreateSecret(db.db, "jwt"), settings.tokenTtlSeconds);

    const first = await users.bootstrapAdmin();
    if (first) {
      await audit.record({
        actor: "system:first-start",
        action: "user.create",
        target: `user:${first.username}`,
        outcome: "success",
        details: { role: "admin", reason: "no user existed" },
      });
      options.onFirstAdmin?.(first);
    }

    const limiter = config.redis.url
      ? new RedisRateLimiter(config.redis.url, settings.jobs.redisPrefix)
      : new MemoryRateLimiter();
    cleanup.push(() => limiter.close());
    const { login, windowMs } = settings.rateLimit;
    const auth = new Authenticator(
      users,
      keys,
      signer,
      settings.authCacheTtlMs,
      new PasswordBudget(limiter, login, windowMs),
    );

    const modelCache: ModelCache = new ModelCache(
      settings.modelCacheMb * 1024 * 1024,
      modelCacheObserver(metrics.modelCache, () => modelCache),
    );
    const models = new ModelService(
      options.models ??
        registryModelSource(config, {
          db,
          store,
          audit,
          cache: modelCache,
          onTrainProgress: options.onTrainProgress,
          onBootstrap: options.onModelBootstrap,
          onWarning: (message) => logger.warn({ warning: message }, "model warning"),
        }),
      metrics,
      logger,
      settings.detectPool.workers > 0
        ? new DetectionPool(
            {
              ...settings.detectPool,
              bodyLimits: { maxTextChars: config.server.maxTextChars, maxBatch: config.server.maxBatch },
              eventText: eventTextForWorkers(settings.events),
            },
            logger,
          )
        : undefined,
    );
    cleanup.push(() => models.close());

    // Closed after the HTTP server, like the events: what was sampled is scored and written.
    const shadow = shadowRunner(app, metrics, logger, modelCache);
    cleanup.push(() => shadow.close());

    const jobs = openJobSystem(app, {
      logger,
      // A training job that promoted a model: serve it now rather than at the next poll.
      onModelChanged: () =>
        void models.load().catch((err: unknown) => logger.warn({ err }, "model reload failed")),
    });
    // After the HTTP server has drained: running jobs get the grace period, then go back to the queue.
    const graceMs = shutdownGraceMs(env);
    cleanup.push(() => jobs.queue.close({ graceMs }));

    const ctx: ServerContext = {
      app,
      config,
      settings,
      version: packageVersion(),
      logger,
      metrics,
      limiter,
      auth,
      users,
      keys,
      canaries: new CanaryStore(db.db),
      audit,
      store,
      jobs,
      models,
      events,
      shadow,
      readiness: [
        { name: "database", check: async () => void (await sql`select 1`.execute(db.db)) },
        { name: "store", check: async () => void (await store.list({ limit: 1 })) },
        // Rate limits and the job queue live there: down, both answer 503.
        ...(limiter instanceof RedisRateLimiter ? [{ name: "redis", check: () => limiter.ping() }] : []),
      ],
    };

    const https =
      config.server.tlsCert && config.server.tlsKey
        ? { cert: readFileSync(config.server.tlsCert), key: readFileSync(config.server.tlsKey) }
        : undefined;
    const http = await buildApp(ctx, { https });
    cleanup.push(() => http.close());
    await http.listen({ host: config.server.host, port: config.server.port });
    const address = http.server.address();
    const port = typeof address === "object" && address ? address.port : config.server.port;
    const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
    const url = `${https ? "https" : "http"}://${host}:${port}`;

    // Listening first keeps /health answering while a first start trains the model.
    await models.load();
    await shadow
      .refresh()
      .catch((err: unknown) => logger.warn({ error: String(err) }, "could not read the shadow setting"));
    await jobs.queue.start();

    if (options.timers !== false) {
      models.startPolling(settings.modelPollSeconds);
      shadow.startPolling(settings.modelPollSeconds);
      anchorer.start();
      if (settings.audit.snapshotIntervalSeconds > 0) {
        const timer = setInterval(() => {
          jobs.queue
            .enqueue("audit.snapshot", {}, { createdBy: "system:scheduler" })
            .catch((err: unknown) => logger.warn({ err }, "could not schedule the audit snapshot"));
        }, settings.audit.snapshotIntervalSeconds * 1000);
        timer.unref();
        cleanup.push(() => clearInterval(timer));
      }
      // Every server fires each tick: the tick in the payload lets one cycle run per tick,
      // and a second retention run on the same tick finds nothing left to delete.
      const scheduleJob = (cron: string | null, type: string, what: string) => {
        if (!cron) return;
        const schedule = startSchedule(parseCronSchedule(cron), (tick) => {
          jobs.queue
            .enqueue(type, { scheduledFor: tick.toISOString() }, { createdBy: "system:scheduler" })
            .catch((err: unknown) => logger.warn({ err }, `could not schedule the ${what}`));
        });
        logger.info({ schedule: cron, next: schedule.nextTick().toISOString() }, `${what} scheduled`);
        cleanup.push(() => schedule.stop());
      };
      scheduleJob(settings.learn.schedule, "learn.cycle", "learning cycle");
      scheduleJob(settings.retention.schedule, "privacy.retention", "retention run");
      scheduleJob(settings.backup.schedule, "backup.create", "backup");
    }
    logger.info(
      {
        url,
        model: models.model,
        jobs: jobs.queue.kind,
        limiter: limiter.kind,
        database: db.dialect,
        store: store.kind,
      },
      "bulwark is serving",
    );
    return { url, app: http, ctx, db, close };
  } catch (err) {
    await close();
    throw err;
  }
}
