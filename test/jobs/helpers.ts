/** Shared pieces of the job tests: polling the job store for a state. */
import type { Job } from "../../src/jobs/types.js";

export async function waitFor(
  get: () => Promise<Job>,
  done: (j: Job) => boolean,
  timeoutMs = 20_000,
): Promise<Job> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await get();
    if (done(job)) return job;
    if (Date.now() > until) throw new Error(`timed out waiting; last state ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const finished = (j: Job) => !["queued", "running"].includes(j.status);
