/**
 * A counter and a histogram whose request-path side is adding to plain numbers: prom-client's
 * own check and hash their labels on every call (about as long as a short detection's
 * bookkeeping, see bench/business.bench.ts), while these pay only at scrape time, when the
 * registry reads them through the same `get()` shape prom-client's metrics have. Labels are
 * fixed when a child is made, so a child is a number to increment.
 */
import type { Registry } from "prom-client";

/** What the registry reads from a metric at scrape time (prom-client's `get()` shape). */
interface Scraped {
  name: string;
  help: string;
  type: "counter" | "histogram";
  aggregator: "sum";
  values: { metricName?: string; labels: Record<string, string | number>; value: number }[];
}

interface Described {
  name: string;
  help: string;
  registers: Registry[];
}

export interface PlainChild {
  n: number;
}

/** A counter whose children are plain numbers; label sets are few (route by answer). */
export class PlainCounter<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = "counter" as const;
  readonly aggregator = "sum" as const;
  private readonly children = new Map<string, { labels: Record<L, string>; child: PlainChild }>();

  constructor(d: Described) {
    this.name = d.name;
    this.help = d.help;
    for (const r of d.registers) r.registerMetric(this as never);
  }

  /** The child of one label set; keep it and add to its `n`. */
  child(labels: Record<L, string>): PlainChild {
    const key = JSON.stringify(labels);
    let c = this.children.get(key);
    if (c === undefined) {
      c = { labels: { ...labels }, child: { n: 0 } };
      this.children.set(key, c);
    }
    return c.child;
  }

  get(): Promise<Scraped> {
    const values = [...this.children.values()].map((c) => ({ labels: c.labels, value: c.child.n }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: "sum", values });
  }

  reset(): void {
    for (const c of this.children.values()) c.child.n = 0;
  }
}

/** A histogram without labels: per-bucket counts in an array, made cumulative at scrape time. */
export class PlainHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram" as const;
  readonly aggregator = "sum" as const;
  /** Observations per bucket (not cumulative); the last is above every bound (+Inf). */
  private readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    d: Described,
    readonly bounds: readonly number[],
  ) {
    this.name = d.name;
    this.help = d.help;
    this.counts = new Float64Array(bounds.length + 1);
    for (const r of d.registers) r.registerMetric(this as never);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Observations at most `bound` (one of the bounds), as the `le` bucket counts them. */
  atMost(bound: number): number {
    let n = 0;
    for (let i = 0; i < this.bounds.length && this.bounds[i]! <= bound; i++) n += this.counts[i]!;
    return n;
  }

  get(): Promise<Scraped> {
    const values: Scraped["values"] = [];
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += this.counts[i]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { le }, value: cumulative });
    });
    values.push({ metricName: `${this.name}_bucket`, labels: { le: "+Inf" }, value: this.count });
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: this.count });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: "sum", values });
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
