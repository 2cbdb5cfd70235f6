/**
 * `bulwark worker`: consumes the BullMQ queue on REDIS_URL. Run as many as you like on
 * any machine with the same configuration; a worker that dies mid-job has the job retried
 * by another (or failed once out of attempts), never lost.
 */
import { type Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../../core/config.js";
import { ValidationError } from "../../core/errors.js";
import { loadServiceSettings } from "../../server/settings.js";
import { action } from "../output.js";

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive whole number");
  return n;
}

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("run jobs from the BullMQ queue on REDIS_URL (training, imports, campaigns, retention)")
    .option("--concurrency <n>", "jobs at a time (default BULWARK_JOB_CONCURRENCY or 1)", positive)
    .action(
      action(async (opts: { concurrency?: number }) => {
        const config = loadConfig();
        const settings = loadServiceSettings();
        if (!config.redis.url) {
          throw new ValidationError(
            "bulwark worker needs REDIS_URL: without it, `bulwark serve` runs jobs in its own process",
          );
        }
        // Loaded here so that other commands do not pay for BullMQ, the database and the store.
        const [
          { HashChainAuditLog },
          { createLogger },
          { openDatabase },
          { BullQueue },
          { createJobTypes },
          jobs,
          { JobStore },
          { createObjectStore },
        ] = await Promise.all([
          import("../../core/audit-chain.js"),
          import("../../core/logger.js"),
          import("../../db/index.js"),
          import("../../jobs/bullmq.js"),
          import("../../jobs/handlers.js"),
          import("../../jobs/index.js"),
          import("../../jobs/store.js"),
          import("../../storage/index.js"),
        ]);
        const logger = createLogger({ name: "bulwark-worker" });
        const db = await openDatabase(config);
        const store = createObjectStore(config.storage);
        const audit = new HashChainAuditLog(db);
        const deps = {
          config,
          db,
          audit,
          store,
          snapshot: {
            mode: settings.audit.snapshotMode,
            retentionDays: settings.audit.snapshotRetentionDays,
          },
        };
        const common = {
          db: db.db,
          logger,
          deps,
          redisUrl: config.redis.url,
          concurrency: opts.concurrency ?? settings.jobs.concurrency,
          maxAttempts: settings.jobs.maxAttempts,
          redisPrefix: settings.jobs.redisPrefix,
          lockDurationMs: settings.jobs.lockDurationMs,
        };
        const { worker } = jobs.createJobWorker(common);
        // Workers also reconcile: jobs whose worker died are retried or failed even with no server up.
        const reconciler = new BullQueue(new JobStore(db.db), createJobTypes(deps), logger, {
          redisUrl: config.redis.url,
          prefix: settings.jobs.redisPrefix,
          maxAttempts: settings.jobs.maxAttempts,
          lockDurationMs: settings.jobs.lockDurationMs,
        });
        worker.start();
        await reconciler.start();
        logger.info(
          { concurrency: common.concurrency, database: db.dialect },
          "bulwark worker is consuming jobs",
        );
        process.stderr.write(
          `bulwark: worker consuming jobs from ${config.redis.url.replace(/\/\/([^:@/]*):[^@]+@/, "//$1:****@")}\n`,
        );
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            process.stderr.write(`bulwark: ${signal}, finishing the current job(s) and stopping\n`);
            void (async () => {
              await worker.close();
              await reconciler.close();
              await audit.flush();
              await store.close();
              await db.close();
            })().finally(resolve);
          };
          process.once("SIGINT", () => stop("SIGINT"));
          process.once("SIGTERM", () => stop("SIGTERM"));
        });
      }),
    );
}
