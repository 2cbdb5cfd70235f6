/** Binary classification metrics over (score, label) pairs. */

export interface Scored {
  score: number;
  label: 0 | 1;
}

export interface BinaryMetrics {
  n: number;
  positives: number;
  negatives: number;
  accuracy: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  fpr: number | null;
  /** Area under the ROC curve; null when only one class is present. */
  rocAuc: number | null;
  /** True-positive rate at the highest threshold whose false-positive rate is at most 1%. */
  tprAt1Fpr: number | null;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/** ROC-AUC by the rank-sum (Mann-Whitney) statistic, with ties counted half. */
export function rocAuc(items: readonly Scored[]): number | null {
  const pos = items.filter((i) => i.label === 1).length;
  const neg = items.length - pos;
  if (pos === 0 || neg === 0) return null;
  const sorted = [...items].sort((a, b) => a.score - b.score);
  let rankSum = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (sorted[k]!.label === 1) rankSum += avgRank;
    i = j;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * The lowest threshold t such that at most `maxFpr` of the negatives score >= t
 * (scores strictly above the (k+1)-th highest negative, k = floor(maxFpr * negatives)).
 */
export function thresholdForFpr(negativeScores: readonly number[], maxFpr: number): number {
  if (negativeScores.length === 0) return 0.5;
  const sorted = [...negativeScores].sort((a, b) => b - a);
  const k = Math.floor(maxFpr * sorted.length);
  if (k >= sorted.length) return 0;
  const boundary = sorted[k]!;
  // The next representable double above the boundary: the k-th negative is below threshold.
  return boundary >= 1 ? 1 : nextUp(boundary);
}

/**
 * The lowest threshold t at which the false-positive rate averaged over groups (each group's
 * share of its own negatives scoring >= t) is at most `maxFpr`: every source weighs the same,
 * whatever its size, as when each source stands for a place the detector may be deployed.
 * Tied scores are flagged or passed together, never split.
 */
export function thresholdForMeanFpr(
  negativeScores: readonly number[],
  groupOf: readonly number[],
  maxFpr: number,
): number {
  if (negativeScores.length === 0) return 0.5;
  const sizes = new Map<number, number>();
  for (const g of groupOf) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  const weight = (i: number) => 1 / (sizes.get(groupOf[i]!)! * sizes.size);
  const order = Array.from(negativeScores.keys()).sort((a, b) => negativeScores[b]! - negativeScores[a]!);
  let flagged = 0;
  for (let i = 0; i < order.length;) {
    const score = negativeScores[order[i]!]!;
    let add = 0;
    let j = i;
    for (; j < order.length && negativeScores[order[j]!] === score; j++) add += weight(order[j]!);
    // A rounding margin: 100 rows of 1/100 each must be able to reach exactly 1.
    if (flagged + add > maxFpr + 1e-12) return score >= 1 ? 1 : nextUp(score);
    flagged += add;
    i = j;
  }
  return 0;
}

function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  buf.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return buf.getFloat64(0);
}

export function tprAtFpr(items: readonly Scored[], maxFpr: number): number | null {
  const neg = items.filter((i) => i.label === 0).map((i) => i.score);
  const pos = items.filter((i) => i.label === 1);
  if (neg.length === 0 || pos.length === 0) return null;
  const t = thresholdForFpr(neg, maxFpr);
  return pos.filter((p) => p.score >= t).length / pos.length;
}

export function binaryMetrics(items: readonly Scored[], threshold: number): BinaryMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const { score, label } of items) {
    const flagged = score >= threshold;
    if (label === 1) {
      if (flagged) tp++;
      else fn++;
    } else if (flagged) fp++;
    else tn++;
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const f1 =
    precision !== null && recall !== null && precision + recall > 0
      ? (2 * precision * recall) / (precision + recall)
      : null;
  return {
    n: items.length,
    positives: tp + fn,
    negatives: tn + fp,
    accuracy: items.length ? (tp + tn) / items.length : 0,
    precision,
    recall,
    f1,
    fpr: ratio(fp, fp + tn),
    rocAuc: rocAuc(items),
    tprAt1Fpr: tprAtFpr(items, 0.01),
  };
}

/** Metrics per value of a grouping key (source, category, language...). */
export function metricsBy<T extends Scored>(
  items: readonly T[],
  key: (item: T) => string,
  threshold: number,
): Record<string, BinaryMetrics> {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const g = groups.get(k);
    if (g) g.push(it);
    else groups.set(k, [it]);
  }
  return Object.fromEntries(
    [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, g]) => [k, binaryMetrics(g, threshold)]),
  );
}
