/** Who is acting, for the audit trail and run records, when work starts from this process. */
import { userInfo } from "node:os";

/** The actor of work started from this process: BULWARK_ACTOR, else `cli:<os user>`. */
export function defaultActor(env: Record<string, string | undefined> = process.env): string {
  if (env.BULWARK_ACTOR) return env.BULWARK_ACTOR;
  let user = env.USER ?? env.USERNAME ?? "unknown";
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep the environment's answer.
  }
  return `cli:${user}`;
}
