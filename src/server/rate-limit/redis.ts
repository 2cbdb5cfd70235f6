/**
 * Budgets shared through Redis: one atomic script per hit (INCR, and PEXPIRE when the
 * window starts), so any number of server processes count against the same window.
 */
import { Redis } from "ioredis";
import { BulwarkError, describeError } from "../../core/errors.js";
import type { RateDecision, RateLimiter } from "./types.js";

const SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

type WithHit = Redis & { bulwarkHit(key: string, windowMs: number): Promise<[number, number]> };

export class RedisRateLimiter implements RateLimiter {
  readonly kind = "redis" as const;
  private readonly redis: WithHit;
  private readonly ownsClient: boolean;

  constructor(
    client: Redis | string,
    private readonly prefix: string,
  ) {
    const redis =
      typeof client === "string"
        ? new Redis(client, { maxRetriesPerRequest: 1, commandTimeout: 1_000, enableOfflineQueue: true })
        : client;
    this.ownsClient = typeof client === "string";
    // Connection trouble surfaces on each hit (as a 503); the client reconnects by itself.
    if (this.ownsClient) redis.on("error", () => undefined);
    redis.defineCommand("bulwarkHit", { numberOfKeys: 1, lua: SCRIPT });
    this.redis = redis as WithHit;
  }

  async hit(bucket: string, limit: number, windowMs: number): Promise<RateDecision> {
    let count: number;
    let ttl: number;
    try {
      [count, ttl] = await this.redis.bulwarkHit(`${this.prefix}:rl:${bucket}`, windowMs);
    } catch (err) {
      // Closed, not open: an uncounted request would make every budget meaningless.
      throw new BulwarkError(
        "RATE_LIMITER_UNAVAILABLE",
        `rate limits cannot be checked: Redis did not answer (${describeError(err)})`,
        503,
      );
    }
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetMs: ttl };
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
