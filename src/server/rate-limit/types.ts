/**
 * Fixed-window request budgets. One interface, two implementations: in memory (one
 * process) and Redis (every server process sharing REDIS_URL shares the same budget).
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window ends and the budget is full again. */
  resetMs: number;
}

export interface RateLimiter {
  readonly kind: "memory" | "redis";
  /** Counts one request against `bucket` and says whether it is within `limit` per `windowMs`. */
  hit(bucket: string, limit: number, windowMs: number): Promise<RateDecision>;
  /** The same, without a promise, for limiters that need no I/O (the hot path skips an await). */
  hitSync?(bucket: string, limit: number, windowMs: number): RateDecision;
  close(): Promise<void>;
}
