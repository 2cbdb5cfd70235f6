/** Starting a job from a request: queued under the caller's name and recorded in the audit trail. */
import type { Job } from "../../jobs/types.js";
import { actorOf, type Principal } from "../auth/roles.js";
import { assertJobAccess } from "../auth/job-access.js";
import type { ServerContext } from "../context.js";

export async function enqueueAudited(
  ctx: ServerContext,
  principal: Principal | undefined,
  type: string,
  payload: unknown,
  details: Record<string, unknown> = {},
): Promise<Job> {
  assertJobAccess(principal, type, "start");
  const actor = actorOf(principal);
  const job = await ctx.jobs.queue.enqueue(type, payload, { createdBy: actor });
  await ctx.audit.record({
    actor,
    action: "job.create",
    target: `job:${job.id}`,
    outcome: "success",
    details: { type: job.type, ...details },
  });
  return job;
}
