/**
 * `bulwark worker`: consumes the BullMQ queue on REDIS_URL. Run as many as you like on
 * any machine with the same configuration; a worker that dies mid-job has the job retried
 * by another (or failed once out of attempts), never lost.
 */
import type { Command } from "commander";
import { loadConfig } from "../../core/config.js";
import { ValidationError } from "../../core/errors.js";
import { maskUrlPassword } from "../../core/redact.js";
import { wholeNumber } from "../options.js";
import { action } from "../output.js";

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("run jobs from the BullMQ queue on REDIS_URL (training, imports, campaigns, retention)")
    .option("--concurrency <n>", "jobs at a time (default BULWARK_JOB_CONCURRENCY or 1)", wholeNumber(1))
    .action(
      action(async (opts: { concurrency?: number }) => {
        const config = loadConfig();
        if (!config.redis.url) {
          throw new ValidationError(
            "bulwark worker needs REDIS_URL: without it, `bulwark serve` runs jobs in its own process",
          );
        }
        // Loaded here so that other commands do not pay for BullMQ, the database and the store.
        const [{ openApp }, { openJobWorker }, { createLogger }] = await Promise.all([
          import("../../app/app.js"),
          import("../../app/jobs.js"),
          import("../../core/logger.js"),
        ]);
        const logger = createLogger({ name: "bulwark-worker" });
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
            process.stderr.write(`bulwark: ${signal}, finishing the current job(s) and stopping\n`);
            void (async () => {
              await worker.close();
              await reconciler.close();
              await app.close();
            })().finally(resolve);
          };
          process.once("SIGINT", () => stop("SIGINT"));
          process.once("SIGTERM", () => stop("SIGTERM"));
        });
      }),
    );
}
