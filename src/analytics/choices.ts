/**
 * The words analytics queries accept (metrics, buckets, groupings): data only, with no
 * imports, so the CLI can offer them at start-up without loading the queries.
 */
export const METRICS = [
  "requests",
  "flagged",
  "flagged_rate",
  "latency_p50",
  "latency_p95",
  "latency_p99",
  "under_10ms_share",
] as const;
export type Metric = (typeof METRICS)[number];
export const BUCKETS = ["hour", "day", "week"] as const;
export type Bucket = (typeof BUCKETS)[number];
/**
 * `key`: the API key or user that asked; `evidence`: each rule, signal or decoder a verdict
 * carried; `lang`: the text's language (`none` when not identified).
 */
export const GROUP_BY = ["category", "route", "model", "key", "evidence", "lang"] as const;
export type GroupBy = (typeof GROUP_BY)[number];
