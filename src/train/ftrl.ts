/**
 * Online learners over hashed sparse features.
 *
 * FTRL-Proximal (McMahan et al., 2013) for the attack/benign head: per-coordinate learning
 * rates suit hashed n-grams whose frequencies span orders of magnitude, and its L1 term
 * leaves most buckets at exactly zero, which keeps the model file small.
 *
 * Softmax regression with AdaGrad for the category head, trained on attacks only.
 */
import type { FeatureVector } from "../detect/features.js";
import { sigmoid } from "../detect/model.js";

export interface FtrlParams {
  alpha: number;
  beta: number;
  l1: number;
  l2: number;
}

export class FtrlLogistic {
  readonly z: Float32Array;
  readonly n: Float32Array;
  /** The weights implied by z and n, kept current so prediction is a plain dot product. */
  readonly w: Float32Array;
  bias = 0;
  private biasN = 0;

  constructor(
    size: number,
    readonly params: FtrlParams,
  ) {
    this.z = new Float32Array(size);
    this.n = new Float32Array(size);
    this.w = new Float32Array(size);
  }

  private weightFrom(z: number, n: number): number {
    const { l1, l2, alpha, beta } = this.params;
    if (z <= l1 && z >= -l1) return 0;
    return -(z - Math.sign(z) * l1) / ((beta + Math.sqrt(n)) / alpha + l2);
  }

  logit(v: FeatureVector, prior: number): number {
    const w = this.w;
    const idx = v.idx;
    let a = 0;
    let b = 0;
    let c = 0;
    let i = 0;
    for (; i < v.nChar; i++) a += w[idx[i]!]!;
    for (; i < v.nChar + v.nWord; i++) b += w[idx[i]!]!;
    for (; i < idx.length; i++) c += w[idx[i]!]!;
    const dense = v.dense;
    if (dense) {
      const base = w.length - dense.length;
      for (let k = 0; k < dense.length; k++) c += w[base + k]! * dense[k]!;
    }
    return this.bias + a * v.charScale + b * v.wordScale + c + prior;
  }

  /** One gradient step on a window; returns the predicted probability before the step. */
  step(v: FeatureVector, prior: number, label: 0 | 1, sampleWeight: number): number {
    const p = sigmoid(this.logit(v, prior));
    const g0 = (p - label) * sampleWeight;
    const sc = v.charScale;
    const sw = v.wordScale;
    const idx = v.idx;
    const { alpha } = this.params;
    const zs = this.z;
    const ns = this.n;
    const ws = this.w;
    const dense = v.dense;
    const denseBase = dense ? ws.length - dense.length : 0;
    const count = idx.length + (dense ? dense.length : 0);
    for (let i = 0; i < count; i++) {
      const inIdx = i < idx.length;
      const x = inIdx ? (i < v.nChar ? sc : i < v.nChar + v.nWord ? sw : 1) : dense![i - idx.length]!;
      const g = g0 * x;
      const k = inIdx ? idx[i]! : denseBase + i - idx.length;
      const n = ns[k]!;
      const n2 = n + g * g;
      const sigma = (Math.sqrt(n2) - Math.sqrt(n)) / alpha;
      const z = zs[k]! + g - sigma * ws[k]!;
      zs[k] = z;
      ns[k] = n2;
      ws[k] = this.weightFrom(z, n2);
    }
    // The bias is not regularised.
    this.biasN += g0 * g0;
    this.bias -= (alpha * g0) / (this.params.beta + Math.sqrt(this.biasN));
    return p;
  }

  /** The final weights, as the model file stores them. */
  weights(): Float32Array {
    return this.w.slice();
  }
}

export class AdagradSoftmax {
  readonly w: Float32Array;
  private readonly g2: Float32Array;
  readonly bias: Float64Array;
  private readonly biasG2: Float64Array;

  constructor(
    readonly rows: number,
    readonly classes: number,
    private readonly shift: number,
    private readonly lr: number,
    private readonly l2: number,
  ) {
    this.w = new Float32Array(rows * classes);
    this.g2 = new Float32Array(rows * classes);
    this.bias = new Float64Array(classes);
    this.biasG2 = new Float64Array(classes);
  }

  private probabilities(v: FeatureVector): Float64Array {
    const k = this.classes;
    const sc = v.charScale;
    const sw = v.wordScale;
    const z = Float64Array.from(this.bias);
    const idx = v.idx;
    for (let i = 0; i < idx.length; i++) {
      const x = i < v.nChar ? sc : i < v.nChar + v.nWord ? sw : 1;
      const row = (idx[i]! >>> this.shift) * k;
      for (let c = 0; c < k; c++) z[c]! += this.w[row + c]! * x;
    }
    let max = -Infinity;
    for (const v2 of z) max = Math.max(max, v2);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      z[c] = Math.exp(z[c]! - max);
      sum += z[c]!;
    }
    for (let c = 0; c < k; c++) z[c]! /= sum;
    return z;
  }

  step(v: FeatureVector, target: number, sampleWeight: number): void {
    const k = this.classes;
    const p = this.probabilities(v);
    const sc = v.charScale;
    const sw = v.wordScale;
    const idx = v.idx;
    for (let i = 0; i < idx.length; i++) {
      const x = i < v.nChar ? sc : i < v.nChar + v.nWord ? sw : 1;
      const row = (idx[i]! >>> this.shift) * k;
      for (let c = 0; c < k; c++) {
        const j = row + c;
        const g = ((p[c]! - (c === target ? 1 : 0)) * x + this.l2 * this.w[j]!) * sampleWeight;
        this.g2[j] = this.g2[j]! + g * g;
        this.w[j] = this.w[j]! - (this.lr * g) / (1e-8 + Math.sqrt(this.g2[j]!));
      }
    }
    for (let c = 0; c < k; c++) {
      const g = (p[c]! - (c === target ? 1 : 0)) * sampleWeight;
      this.biasG2[c]! += g * g;
      this.bias[c]! -= (this.lr * g) / (1e-8 + Math.sqrt(this.biasG2[c]!));
    }
  }
}
