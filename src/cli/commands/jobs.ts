/** `bulwark jobs ...`: status, progress and logs of jobs, and cancelling them. */
import type { Command } from "commander";
import { JOB_STATUSES } from "../../jobs/types.js";
import { oneOf, wholeNumber } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/jobs.js");

export function registerJobs(program: Command): void {
  const jobs = program
    .command("jobs")
    .description("long-running work: training runs, dataset imports, audit snapshots");

  jobs
    .command("list")
    .description("jobs, newest first")
    .option("--status <status>", `only ${JOB_STATUSES.join("|")}`, oneOf(JOB_STATUSES))
    .option("--type <type>", "only this job type")
    .option("--limit <n>", "at most this many", wholeNumber(), 50)
    .option("--json", "print JSON")
    .action(lazy(actions, "jobsList"));

  jobs
    .command("show")
    .description("one job: status, progress, result or error")
    .argument("<id>", "job id")
    .option("--json", "print JSON")
    .action(lazy(actions, "jobsShow"));

  jobs
    .command("logs")
    .description("a job's log; --follow keeps printing until the job ends")
    .argument("<id>", "job id")
    .option("--follow", "wait for new lines until the job finishes")
    .option("--json", "print JSON lines")
    .action(lazy(actions, "jobsLogs"));

  jobs
    .command("cancel")
    .description("cancel a queued job, or ask a running one to stop")
    .argument("<id>", "job id")
    .option("--json", "print JSON")
    .action(lazy(actions, "jobsCancel"));

  jobs
    .command("selftest")
    .description("enqueue a harmless job that waits, to check the queue and its workers end to end")
    .option("--ms <n>", "how long it waits", wholeNumber(), 1000)
    .option("--fail-times <n>", "fail this many attempts first (tests retries)", wholeNumber(), 0)
    .option("--wait", "wait for it to finish and print the outcome")
    .option("--json", "print JSON")
    .action(lazy(actions, "jobsSelftest"));
}
