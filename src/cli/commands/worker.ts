/**
 * `bulwark worker`: consumes the BullMQ queue on REDIS_URL. Run as many as you like on
 * any machine with the same configuration; a worker that dies mid-job has the job retried
 * by another (or failed once out of attempts), never lost.
 */
import type { Command } from "commander";
import { wholeNumber } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/worker.js");

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description(
      "run jobs from the BullMQ queue on REDIS_URL (training runs, dataset imports, audit snapshots)",
    )
    .option("--concurrency <n>", "jobs at a time (default BULWARK_JOB_CONCURRENCY or 1)", wholeNumber(1))
    .action(lazy(actions, "worker"));
}
