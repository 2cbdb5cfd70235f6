/**
 * Platt scaling: fits p = sigmoid(a*z + b) to held-out logits by Newton's method on the
 * log loss, with Platt's smoothed targets so a perfectly separated validation set does not
 * drive the slope to infinity. The result is a score that reads as a probability.
 */
import type { Calibration } from "./model.js";

export function fitPlatt(logits: readonly number[], labels: readonly (0 | 1)[]): Calibration {
  const pos = labels.filter((l) => l === 1).length;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return { a: 1, b: 0 };
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  const t = labels.map((l) => (l === 1 ? hi : lo));
  let a = 1;
  let b = 0;
  const loss = (a2: number, b2: number): number => {
    let s = 0;
    for (let i = 0; i < logits.length; i++) {
      const f = a2 * logits[i]! + b2;
      // log(1 + e^f) - t*f, written to avoid overflow.
      s += (f > 0 ? f + Math.log1p(Math.exp(-f)) : Math.log1p(Math.exp(f))) - t[i]! * f;
    }
    return s;
  };
  let current = loss(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < logits.length; i++) {
      const z = logits[i]!;
      const p = 1 / (1 + Math.exp(-(a * z + b)));
      const d = p - t[i]!;
      ga += d * z;
      gb += d;
      const w = p * (1 - p);
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-18) break;
    let da = -(hbb * ga - hab * gb) / det;
    let db = -(-hab * ga + haa * gb) / det;
    let step = 1;
    let next = loss(a + da, b + db);
    while (next > current && step > 1e-6) {
      step /= 2;
      next = loss(a + da * step, b + db * step);
    }
    da *= step;
    db *= step;
    a += da;
    b += db;
    const improved = current - next;
    current = next;
    if (Math.abs(da) < 1e-9 && Math.abs(db) < 1e-9) break;
    if (improved >= 0 && improved < 1e-10) break;
  }
  return { a, b };
}
