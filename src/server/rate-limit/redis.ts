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

const CONNECT_TIMEOUT_MS = 5_000;

type WithHit = Redis & { bulwarkHit(key: string, windowMs: number): Promise<[number, number]> };

export class RedisRateLimiter implements RateLimiter {
  readonly kind = "redis" as const;
  private readonly redis: WithHit;
  private readonly ownsClient: boolean;
  /** Settles when the connection is first ready: the command timeout should not count the connect. */
  private connected: Promise<void> | undefined;

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

  /**
   * A connection still being made may take longer than one command (a busy host, TLS): wait
   * for it, up to CONNECT_TIMEOUT_MS, unless it fails outright.
   */
  private ready(): Promise<void> {
    const status = this.redis.status;
    if (status === "ready") return Promise.resolve();
    // A connection that failed is down until it comes back: no request waits on it.
    if (status !== "connecting" && status !== "connect" && status !== "wait")
      return Promise.reject(new Error(`the connection is ${status}`));
    this.connected ??= new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => settle(new Error(`not connected after ${CONNECT_TIMEOUT_MS} ms`)),
        CONNECT_TIMEOUT_MS,
      );
      const settle = (err?: Error) => {
        clearTimeout(timer);
        this.redis.off("ready", onReady).off("error", settle);
        if (err) {
          // Refused, not slow: say so at once, and try the connection again next time.
          this.connected = undefined;
          reject(err);
        } else resolve();
      };
      const onReady = () => settle();
      this.redis.once("ready", onReady).once("error", settle);
    });
    return this.connected;
  }

  async hit(bucket: string, limit: number, windowMs: number): Promise<RateDecision> {
    let count: number;
    let ttl: number;
    try {
      await this.ready();
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

  /** For /ready: Redis answers (fails at once while the connection is down). */
  async ping(): Promise<void> {
    await this.ready();
    await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
