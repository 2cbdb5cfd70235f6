/**
 * The population stability index of two histograms over the same bins:
 * PSI = Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ), where eᵢ and aᵢ are the shares of the expected
 * (reference) and actual (live) counts in bin i. It is 0 for identical distributions and
 * grows with any shift, in either direction. The usual reading: below 0.1 no significant
 * change, 0.1 to 0.25 a moderate one worth a look, above 0.25 a major one.
 *
 * An empty bin on one side would make the logarithm infinite, so every share is floored at
 * EMPTY_SHARE (0.0001, the customary choice): a bin that appears from nothing adds a large
 * but finite term.
 */
export const EMPTY_SHARE = 1e-4;

/** PSI of `actual` against `expected`; null when either side counts nothing. */
export function psi(expected: readonly number[], actual: readonly number[]): number | null {
  if (expected.length !== actual.length) throw new RangeError("psi: the histograms have different bins");
  const e = shares(expected);
  const a = shares(actual);
  if (!e || !a) return null;
  let sum = 0;
  for (let i = 0; i < e.length; i++) sum += (a[i]! - e[i]!) * Math.log(a[i]! / e[i]!);
  return sum;
}

function shares(counts: readonly number[]): number[] | undefined {
  const total = counts.reduce((n, c) => n + c, 0);
  if (total <= 0) return undefined;
  return counts.map((c) => Math.max(c / total, EMPTY_SHARE));
}
