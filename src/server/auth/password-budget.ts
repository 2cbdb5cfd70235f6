/**
 * The one budget every password check counts against, whichever door it comes through
 * (POST /v1/auth/login, HTTP Basic on the docs, the current password of
 * /v1/auth/password): BULWARK_RATE_LIMIT_LOGIN guesses per window for one username from
 * one address. It lives in the service's rate limiter, so with Redis every replica counts
 * against the same window. An attempt is counted before the password is checked, so past
 * the budget even the right password is refused and the hash is never computed.
 */
import type { RateDecision, RateLimiter } from "../rate-limit/types.js";

/** Usernames are at most 64 characters: longer ones (all wrong) share one bucket per address. */
const NAME_IN_BUCKET = 65;

export class PasswordBudget {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one guess; the refusal's decision when the budget is spent, else undefined. */
  async spend(address: string, username: string): Promise<RateDecision | undefined> {
    if (this.limit <= 0) return undefined;
    const bucket = `login:${address}:${username.toLowerCase().slice(0, NAME_IN_BUCKET)}`;
    const d = await this.limiter.hit(bucket, this.limit, this.windowMs);
    return d.allowed ? undefined : d;
  }
}
