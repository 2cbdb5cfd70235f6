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
  close(): Promise<void>;
}
