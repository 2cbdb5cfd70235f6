/** `bulwark worker`: consumes the BullMQ queue on REDIS_URL until SIGINT or SIGTERM. */
import { openApp } from "../../app/app.js";
import { openJobWorker } from "../../app/jobs.js";
import { shutdownGraceMs } from "../../app/shutdown.js";
import { startTracing, tracingConfigured } from "../../app/tracing.js";
import { loadConfig } from "../../core/config.js";
import { ValidationError } from "../../core/errors.js";
import { createLogger } from "../../core/logger.js";
import { maskUrlPassword } from "../../core/redact.js";
import { traceLogFields } from "../../core/tracing.js";
import { scrubValue } from "../../privacy/scrub.js";

export async function worker(opts: { concurrency?: number }): Promise<void> {
  const config = loadConfig();
  if (!config.redis.url) {
    throw new ValidationError(
      "bulwark worker needs REDIS_URL: without it, `bulwark serve` runs jobs in its own process",
    );
  }
  const graceMs = shutdownGraceMs(process.env);
  const tracingOn = tracingConfigured(process.env);
  const logger = createLogger(
    { name: "bulwark-worker", ...(tracingOn ? { mixin: traceLogFields } : {}) },
    undefined,
    { scrub: scrubValue },
  );
  // Before the database and store are opened, so their queries and calls are traced too.
  const tracing = await startTracing(process.env, {
    serviceName: "bulwark-worker",
    onWarning: (message) => logger.warn({ warning: message }, "tracing problem"),
  });
  const app = await openApp({ config });
  const { worker, reconciler } = openJobWorker(app, config.redis.url, {
    logger,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  });
  worker.start();
  await reconciler.start();
  logger.info(
    { concurrency: opts.concurrency ?? app.settings.jobs.concurrency, database: app.db.dialect },
    "bulwark worker is consuming jobs",
  );
  process.stderr.write(`bulwark: worker consuming jobs from ${maskUrlPassword(config.redis.url)}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(
        `bulwark: ${signal}, giving running job(s) ${graceMs / 1000} s to finish, then handing them back to the queue\n`,
      );
      void (async () => {
        await worker.close({ graceMs });
        await reconciler.close();
        await app.close();
        await tracing.shutdown();
      })().finally(resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}
