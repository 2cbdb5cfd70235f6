/** `bulwark jobs ...`: status, progress and logs of jobs, and cancelling them. */
import { setTimeout as sleep } from "node:timers/promises";
import { JobStore } from "../../jobs/store.js";
import type { Job, JobStatus } from "../../jobs/types.js";
import { withAdmin } from "../../server/admin.js";
import { table } from "../format.js";
import { printJson, printLine } from "../output.js";

function describe(job: Job): string {
  const pct = `${Math.round(job.progress * 100)}%`;
  return `${job.id} ${job.type} ${job.status} ${pct}${job.progressMessage ? ` (${job.progressMessage})` : ""}${job.error ? ` error: ${job.error}` : ""}`;
}

export async function jobsList(opts: {
  status?: JobStatus;
  type?: string;
  limit: number;
  json?: boolean;
}): Promise<void> {
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
}

export async function jobsShow(id: string, opts: { json?: boolean }): Promise<void> {
  await withAdmin(async (a) => {
    const job = await new JobStore(a.db.db).get(id);
    if (opts.json) return printJson(job);
    printLine(describe(job));
    if (job.result !== null) printLine(`result: ${JSON.stringify(job.result)}`);
  });
}

export async function jobsLogs(id: string, opts: { follow?: boolean; json?: boolean }): Promise<void> {
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
}

export async function jobsCancel(id: string, opts: { json?: boolean }): Promise<void> {
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
    printLine(job.status === "cancelled" ? `cancelled ${job.id}` : `asked ${job.id} (${job.status}) to stop`);
  });
}

export async function jobsSelftest(opts: {
  ms: number;
  failTimes: number;
  wait?: boolean;
  json?: boolean;
}): Promise<void> {
  // Loaded here: only the self-test opens the queue (BullMQ on REDIS_URL).
  const [{ openApp }, { openJobSystem }, { defaultActor }, { createLogger }] = await Promise.all([
    import("../../app/app.js"),
    import("../../app/jobs.js"),
    import("../../core/actor.js"),
    import("../../core/logger.js"),
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
}
