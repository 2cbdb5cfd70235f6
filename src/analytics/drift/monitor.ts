/**
 * Drift for a metrics scrape: the last report's PSI per feature, computed again at most
 * once per `refreshMs` and never by two scrapes at once. A scrape waits for a refresh at
 * most `waitMs` (the first reference may take seconds to compute), then answers with what
 * it has; a failed refresh keeps the previous values and is logged, so drift never fails
 * or stalls a scrape.
 */
import type { Range } from "../aggregates.js";
import type { DriftFeature } from "./profile.js";
import type { DriftReport } from "./report.js";

const HOUR_MS = 3_600_000;

export interface DriftMonitorOptions {
  report: (range: Range) => Promise<DriftReport>;
  refreshMs: number;
  /** The live window each refresh compares (default 24 hours up to now). */
  windowMs?: number;
  waitMs?: number;
  onError?: (err: unknown) => void;
  now?: () => number;
}

export class DriftMonitor {
  private last: DriftReport | undefined;
  private refreshedAt = -Infinity;
  private running: Promise<void> | undefined;

  constructor(private readonly o: DriftMonitorOptions) {}

  /** PSI per feature of the latest report (features without one left out), refreshing it when stale. */
  async psi(): Promise<Partial<Record<DriftFeature, number>>> {
    const now = (this.o.now ?? Date.now)();
    if (now - this.refreshedAt >= this.o.refreshMs) {
      this.running ??= this.refresh(now).finally(() => (this.running = undefined));
      await Promise.race([this.running, delay(this.o.waitMs ?? 5_000)]);
    }
    const out: Partial<Record<DriftFeature, number>> = {};
    for (const f of this.last?.features ?? []) if (f.psi !== null) out[f.feature] = f.psi;
    return out;
  }

  private async refresh(now: number): Promise<void> {
    try {
      const to = new Date(now).toISOString();
      const from = new Date(now - (this.o.windowMs ?? 24 * HOUR_MS)).toISOString();
      this.last = await this.o.report({ from, to });
    } catch (err) {
      this.o.onError?.(err);
    } finally {
      // A failure waits for the next period too: a broken database is not asked at every scrape.
      this.refreshedAt = now;
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
