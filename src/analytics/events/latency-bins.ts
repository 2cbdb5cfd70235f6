/**
 * The latency histogram's bins, shared by the roll-ups' writer and their readers: 40 bins
 * a decade on a log scale, so a percentile read from them is at most 6% above the exact
 * value (never below), and every power of ten (1 ms, 10 ms, 100 ms) is a bin's edge, so
 * the share of detections under 10 ms is exact. Migration 014 fills the same bins in SQL.
 */

export const BINS_PER_DECADE = 40;
/** Latencies at or below 1 µs share the lowest bin; at or above 1,000 s the highest. */
export const LOWEST_BIN = -3 * BINS_PER_DECADE;
export const HIGHEST_BIN = 6 * BINS_PER_DECADE;

/** The bin holding `ms`: bin k covers [10^(k/40), 10^((k+1)/40)) milliseconds. */
export function latencyBin(ms: number): number {
  if (!(ms > 0)) return LOWEST_BIN;
  let k = Math.floor(BINS_PER_DECADE * Math.log10(ms));
  // log10 may land a hair below an exact edge (10^(k/40) itself): the edge opens its bin.
  if (binStart(k + 1) <= ms) k += 1;
  return Math.min(HIGHEST_BIN, Math.max(LOWEST_BIN, k));
}

/** The lowest latency of bin `k`, in milliseconds. */
export function binStart(k: number): number {
  return 10 ** (k / BINS_PER_DECADE);
}

/** What a percentile in bin `k` is reported as: the bin's upper edge, so never below the truth. */
export function binUpper(k: number): number {
  return binStart(k + 1);
}

/**
 * The nearest-rank p-quantile of a histogram (bin -> count), as its bin's upper edge;
 * null when it is empty.
 */
export function histogramQuantile(bins: ReadonlyMap<number, number>, p: number): number | null {
  let total = 0;
  for (const n of bins.values()) total += n;
  if (total === 0) return null;
  const rank = rankOf(p, total);
  let seen = 0;
  for (const k of [...bins.keys()].sort((a, b) => a - b)) {
    seen += bins.get(k)!;
    if (seen >= rank) return binUpper(k);
  }
  return null;
}

/** The share of a histogram's values below `ms` (which must be a bin edge, such as 10). */
export function shareBelow(bins: ReadonlyMap<number, number>, ms: number): number | null {
  const edge = latencyBin(ms);
  let total = 0;
  let below = 0;
  for (const [k, n] of bins) {
    total += n;
    if (k < edge) below += n;
  }
  return total === 0 ? null : below / total;
}

/** Nearest rank (1-based) of the p-quantile among n values. */
export function rankOf(p: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(p * n - 1e-9)));
}
