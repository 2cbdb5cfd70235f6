/**
 * The business metrics Prometheus reads at scrape time. Two kinds, each cheap where it runs:
 *
 * - From this process, over a sliding window: CPU time per 1,000 detections and the share
 *   of detections answered within 10 ms. The request path only observes each verdict's time
 *   in a plain histogram (plain.ts); the scrape compares its counts and process.cpuUsage()
 *   (every thread of the process, the detection workers' included) with a sample taken at
 *   an earlier scrape, at least WINDOW_MS old when there is one.
 * - From the database, shared by every server: the false-positive report rate and the time
 *   from a reported miss to a model that fixes it (analytics/business.ts). Read at most
 *   once a minute whatever the scrape rate, and a failed read keeps the last values: the
 *   scrape never waits on or fails with it twice.
 */
import { summary } from "../../analytics/aggregates.js";
import { falsePositives, missToFix } from "../../analytics/business.js";
import type { DatabaseHandle } from "../../db/open.js";

/** Detections counted on the request path (ModelService.count), read at scrape time. */
export interface DetectionTally {
  /** Texts screened by this process (its detection workers included). */
  screened: number;
  /** Of those, the ones whose verdict took at most FAST_SECONDS. */
  fast: number;
}

/** The service-level boundary: a detection within 10 ms (a bucket bound of the latency histogram). */
export const FAST_SECONDS = 0.01;
/** The sliding window of the process gauges. */
export const WINDOW_MS = 60_000;
/** How often the database gauges are read, at most. */
export const DATABASE_EVERY_MS = 60_000;
/** The false-positive rate's window: flagged events and reports of the last day. */
export const FALSE_POSITIVE_WINDOW_MS = 86_400_000;
/** The miss-to-fix window: misses reported in the last 30 days. */
export const MISS_WINDOW_MS = 30 * 86_400_000;

const MAX_SAMPLES = 1_000;

interface Sample {
  at: number;
  cpuMicros: number;
  screened: number;
  fast: number;
}

export interface WindowFigures {
  /** CPU milliseconds per 1,000 detections (= CPU microseconds per detection); NaN without detections. */
  cpuMsPer1000: number;
  /** Share of detections within FAST_SECONDS; NaN without detections. */
  fastShare: number;
}

/**
 * Samples taken at each scrape; the figures compare now with the newest sample at least
 * WINDOW_MS old (or, in the first minute, the oldest there is), so several scrapers, or
 * one scraping often, still see about a minute of work. The first scrape only takes a
 * sample (its figures are NaN): a window from the process's start would charge the model
 * loading and the migrations to the first detections.
 */
export class DetectionWindow {
  private samples: Sample[] = [];

  constructor(
    private readonly tally: () => DetectionTally,
    private readonly cpuMicros: () => number = cpuNow,
    private readonly now: () => number = Date.now,
  ) {}

  figures(): WindowFigures {
    const current = this.sample();
    if (this.samples.length === 0) {
      this.samples.push(current);
      return { cpuMsPer1000: NaN, fastShare: NaN };
    }
    const cutoff = current.at - WINDOW_MS;
    let base = 0;
    for (let i = 0; i < this.samples.length; i++) if (this.samples[i]!.at <= cutoff) base = i;
    const from = this.samples[base]!;
    this.samples = [...this.samples.slice(base), current];
    // Scrapes many times a second would keep many samples: the oldest one is the one that matters.
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(1, 1);
    const screened = current.screened - from.screened;
    return {
      cpuMsPer1000: screened === 0 ? NaN : (current.cpuMicros - from.cpuMicros) / screened,
      fastShare: screened === 0 ? NaN : (current.fast - from.fast) / screened,
    };
  }

  private sample(): Sample {
    return { at: this.now(), cpuMicros: this.cpuMicros(), ...this.tally() };
  }
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export interface DatabaseFigures {
  falsePositiveRate: number;
  falsePositiveAcceptedRate: number;
  missesFixed: number;
  missesOpen: number;
  missToFixMeanHours: number;
  missToFixMedianHours: number;
}

/** The database figures, read at most once per DATABASE_EVERY_MS; nulls become NaN for Prometheus. */
export class DatabaseGauges {
  private readAt = -Infinity;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly db: DatabaseHandle,
    private readonly set: (figures: DatabaseFigures) => void,
    private readonly failed: (err: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the figures when the last read is a minute old; one read at a time. */
  refresh(): Promise<void> {
    if (this.reading) return this.reading;
    const at = this.now();
    if (at - this.readAt < DATABASE_EVERY_MS) return Promise.resolve();
    this.readAt = at;
    this.reading = this.read(at)
      .then(this.set, this.failed)
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(at: number): Promise<DatabaseFigures> {
    const to = new Date(at).toISOString();
    // The summary covers whole hours: reports are counted over the same hours as the flags.
    const day = await summary(this.db, { from: new Date(at - FALSE_POSITIVE_WINDOW_MS).toISOString(), to });
    const fp = await falsePositives(this.db, { from: day.from, to: day.to }, day.flagged);
    const misses = await missToFix(this.db, { from: new Date(at - MISS_WINDOW_MS).toISOString(), to });
    const n = (v: number | null) => v ?? NaN;
    return {
      falsePositiveRate: n(fp.rate),
      falsePositiveAcceptedRate: n(fp.acceptedRate),
      missesFixed: misses.fixed,
      missesOpen: misses.open,
      missToFixMeanHours: n(misses.meanHours),
      missToFixMedianHours: n(misses.medianHours),
    };
  }
}
