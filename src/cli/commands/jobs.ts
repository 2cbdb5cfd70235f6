/** `bulwark jobs ...`: status, progress and logs of jobs, and cancelling them. */
import type { Command } from "commander";
import { setTimeout as sleep } from "node:timers/promises";
import { JobStore } from "../../jobs/store.js";
import { JOB_STATUSES, type Job, type JobStatus } from "../../jobs/types.js";
import { createLogger } from "../../core/logger.js";
import type { AdminContext } from "../../server/admin.js";
import { table } from "../format.js";
import { oneOf, wholeNumber } from "../options.js";
import { action, printJson, printLine } from "../output.js";

/** The database and store are loaded when a command runs, so `bulwark --help` stays quick. */
async function withAdmin<T>(fn: (a: AdminContext) => Promise<T>): Promise<T> {
  return (await import("../../server/admin.js")).withAdmin(fn);
}

function describe(job: Job): string {
  const pct = `${Math.round(job.progress * 100)}%`;
  return `${job.id} ${job.type} ${job.status} ${pct}${job.progressMessage ? ` (${job.progressMessage})` : ""}${job.error ? ` error: ${job.error}` : ""}`;
}

export function registerJobs(program: Command): void {
  const jobs = program
    .command("jobs")
    .description("long-running work: training, imports, campaigns, retention");

  jobs
    .command("list")
    .description("jobs, newest first")
    .option("--status <status>", `only ${JOB_STATUSES.join("|")}`, oneOf(JOB_STATUSES))
    .option("--type <type>", "only this job type")
    .option("--limit <n>", "at most this many", wholeNumber(), 50)
    .option("--json", "print JSON")
    .action(
      action(async (opts: { status?: JobStatus; type?: string; limit: number; json?: boolean }) => {
        await withAdmin(async (a) => {
          const list = await new JobStore(a.db.db).list({
            ...(opts.status ? { status: opts.status } : {}),
            ...(opts.type ? { type: opts.type } : {}),
            limit: opts.limit,
          });
          if (opts.json) return printJson(list);
          if (list.length === 0) return printLine("no jobs");
          printLine(
            table(
              ["id", "type", "status", "progress", "attempts", "created", "by"],
              list.map((j) => [
                j.id,
                j.type,
                j.status,
                `${Math.round(j.progress * 100)}%`,
                `${j.attempts}/${j.maxAttempts}`,
                j.createdAt.slice(0, 19),
                j.createdBy,
              ]),
            ),
          );
        });
      }),
    );

  jobs
    .command("show")
    .description("one job: status, progress, result or error")
    .argument("<id>", "job id")
    .option("--json", "print JSON")
    .action(
      action(async (id: string, opts: { json?: boolean }) => {
        await withAdmin(async (a) => {
          const job = await new JobStore(a.db.db).get(id);
          if (opts.json) return printJson(job);
          printLine(describe(job));
          if (job.result !== null) printLine(`result: ${JSON.stringify(job.result)}`);
        });
      }),
    );

  jobs
    .command("logs")
    .description("a job's log; --follow keeps printing until the job ends")
    .argument("<id>", "job id")
    .option("--follow", "wait for new lines until the job finishes")
    .option("--json", "print JSON lines")
    .action(
      action(async (id: string, opts: { follow?: boolean; json?: boolean }) => {
        await withAdmin(async (a) => {
          const store = new JobStore(a.db.db);
          let after = 0;
          for (;;) {
            const job = await store.get(id);
            for (const line of await store.logs(id, after)) {
              after = line.seq;
              if (opts.json) process.stdout.write(`${JSON.stringify(line)}\n`);
              else printLine(`${line.ts} ${line.level.padEnd(5)} ${line.message}`);
            }
            const done = job.status !== "queued" && job.status !== "running";
            if (!opts.follow || done) {
              if (opts.follow && !opts.json) printLine(describe(job));
              return;
            }
            await sleep(500);
          }
        });
      }),
    );

  jobs
    .command("cancel")
    .description("cancel a queued job, or ask a running one to stop")
    .argument("<id>", "job id")
    .option("--json", "print JSON")
    .action(
      action(async (id: string, opts: { json?: boolean }) => {
        await withAdmin(async (a) => {
          const job = await new JobStore(a.db.db).requestCancel(id);
          await a.audit.record({
            actor: a.actor,
            action: "job.cancel",
            target: `job:${job.id}`,
            outcome: "success",
            details: { type: job.type },
          });
          if (opts.json) return printJson(job);
          printLine(
            job.status === "cancelled" ? `cancelled ${job.id}` : `asked ${job.id} (${job.status}) to stop`,
          );
        });
      }),
    );

  jobs
    .command("selftest")
    .description("enqueue a harmless job that waits, to check the queue and its workers end to end")
    .option("--ms <n>", "how long it waits", wholeNumber(), 1000)
    .option("--fail-times <n>", "fail this many attempts first (tests retries)", wholeNumber(), 0)
    .option("--wait", "wait for it to finish and print the outcome")
    .option("--json", "print JSON")
    .action(
      action(async (opts: { ms: number; failTimes: number; wait?: boolean; json?: boolean }) => {
        const [{ openApp }, { openJobSystem }, { defaultActor }] = await Promise.all([
          import("../../app/app.js"),
          import("../../app/jobs.js"),
          import("../../audit/sink.js"),
        ]);
        const app = await openApp();
        const settings = app.settings;
        const a = { audit: app.audit, actor: defaultActor() };
        try {
          const system = openJobSystem(app, { logger: createLogger({ level: "warn" }), concurrency: 1 });
          let job: Job;
          try {
            // The in-process queue's row is picked up by a running `bulwark serve`, not by this shell.
            job =
              system.queue.kind === "bullmq"
                ? await system.queue.enqueue(
                    "system.selftest",
                    { ms: opts.ms, failTimes: opts.failTimes },
                    { createdBy: a.actor },
                  )
                : await system.store.create({
                    type: "system.selftest",
                    payload: { ms: opts.ms, failTimes: opts.failTimes },
                    createdBy: a.actor,
                    maxAttempts: settings.jobs.maxAttempts,
                    backend: "inprocess",
                  });
          } finally {
            await system.queue.close();
          }
          await a.audit.record({
            actor: a.actor,
            action: "job.create",
            target: `job:${job.id}`,
            outcome: "success",
            details: { type: job.type },
          });
          while (opts.wait && (job.status === "queued" || job.status === "running")) {
            await sleep(250);
            job = await system.store.get(job.id);
          }
          if (opts.json) return printJson(job);
          printLine(describe(job));
        } finally {
          await app.close();
        }
      }),
    );
}
