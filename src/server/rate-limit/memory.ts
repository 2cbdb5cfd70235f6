/**
 * In-memory fixed windows: one small record per bucket, reused across windows, swept
 * when the map grows so idle clients cannot make it grow without bound.
 */
import type { RateDecision, RateLimiter } from "./types.js";

interface Window {
  count: number;
  resetAt: number;
}

const SWEEP_AT = 50_000;

export class MemoryRateLimiter implements RateLimiter {
  readonly kind = "memory" as const;
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now) {}

  hit(bucket: string, limit: number, windowMs: number): Promise<RateDecision> {
    return Promise.resolve(this.hitSync(bucket, limit, windowMs));
  }

  hitSync(bucket: string, limit: number, windowMs: number): RateDecision {
    const now = this.now();
    let w = this.windows.get(bucket);
    if (w === undefined) {
      if (this.windows.size >= SWEEP_AT) this.sweep(now);
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(bucket, w);
    } else if (w.resetAt <= now) {
      w.count = 0;
      w.resetAt = now + windowMs;
    }
    w.count++;
    return {
      allowed: w.count <= limit,
      limit,
      remaining: Math.max(0, limit - w.count),
      resetMs: w.resetAt - now,
    };
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }

  close(): Promise<void> {
    this.windows.clear();
    return Promise.resolve();
  }
}
