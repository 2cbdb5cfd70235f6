/**
 * The built-in model: a binary logistic head (attack or not) and a four-way category
 * head over the same hashed features, Platt calibration, the default threshold, and the
 * rules it was trained with. One self-contained, checksummed file:
 *
 *   "BWM1" | u32 header length | header JSON | sections (little-endian typed arrays)
 *
 * Weights are stored sparsely (index, value) since most buckets stay zero under L1.
 */
import { createHash } from "node:crypto";
import { IntegrityError } from "../core/errors.js";
import { loadEmbeddings, projectRows } from "./embeddings.js";
import { dot, weightCount, type FeatureVector } from "./features.js";
import { checkModelHeader, MAX_HEADER_BYTES, type SectionInfo } from "./model-header.js";
import { MODEL_FORMAT, type ModelMeta } from "./model-meta.js";
import { CATEGORIES, type Category } from "./types.js";

export { MODEL_FORMAT };
export type { Calibration, ModelMeta } from "./model-meta.js";

const MAGIC = Buffer.from("BWM1", "ascii");

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export class BuiltinModel {
  readonly meta: ModelMeta;
  readonly weights: Float32Array;
  /** Row-major [bucket >> shift][category]: the four weights of a bucket sit together. */
  readonly categoryWeights: Float32Array;
  private readonly catShift: number;
  sha256 = "";

  constructor(meta: ModelMeta, weights?: Float32Array, categoryWeights?: Float32Array) {
    this.meta = meta;
    this.weights = weights ?? new Float32Array(weightCount(meta.features));
    this.categoryWeights = categoryWeights ?? new Float32Array((1 << meta.categoryBits) * CATEGORIES.length);
    this.catShift = meta.features.bits - meta.categoryBits;
  }

  private projection: Float32Array | undefined;

  /** Raw attack logit of one window (without the rules' prior). */
  logit(v: FeatureVector): number {
    let z = this.meta.bias + dot(this.weights, v);
    const rows = v.rows;
    if (rows && rows.length > 0) {
      const proj = (this.projection ??= this.embeddingProjection());
      let s = 0;
      for (let i = 0; i < rows.length; i++) s += proj[rows[i]!]!;
      z += s / rows.length;
    }
    return z;
  }

  private embeddingProjection(): Float32Array {
    const spec = this.meta.features.embeddings!;
    const base = 1 << this.meta.features.bits;
    return projectRows(loadEmbeddings(spec.name), this.weights.subarray(base, base + spec.dims));
  }

  calibrate(logit: number): number {
    return sigmoid(this.meta.calibration.a * logit + this.meta.calibration.b);
  }

  /** Category probabilities of one window. */
  categoryScores(v: FeatureVector): number[] {
    const k = CATEGORIES.length;
    const acc = new Float64Array(k * 3);
    const idx = v.idx;
    const w = this.categoryWeights;
    const groupEnd = [v.nChar, v.nChar + v.nWord, idx.length];
    let g = 0;
    for (let i = 0; i < idx.length; i++) {
      while (i >= groupEnd[g]!) g++;
      const row = (idx[i]! >>> this.catShift) * k;
      for (let c = 0; c < k; c++) acc[g * k + c]! += w[row + c]!;
    }
    const sc = v.charScale;
    const sw = v.wordScale;
    const z = CATEGORIES.map(
      (_, c) => this.meta.categoryBias[c]! + acc[c]! * sc + acc[k + c]! * sw + acc[2 * k + c]!,
    );
    return softmax(z);
  }

  categoryRow(bucket: number): number {
    return (bucket >>> this.catShift) * CATEGORIES.length;
  }

  serialize(): Buffer {
    const sections: { info: SectionInfo; data: Buffer }[] = [];
    const [wi, wv] = sparse(this.weights, 1);
    sections.push({ info: { name: "weights.index", dtype: "u32", count: wi.length }, data: bytes(wi) });
    sections.push({ info: { name: "weights.value", dtype: "f32", count: wv.length }, data: bytes(wv) });
    const [ci, cv] = sparse(this.categoryWeights, CATEGORIES.length);
    sections.push({ info: { name: "category.index", dtype: "u32", count: ci.length }, data: bytes(ci) });
    sections.push({ info: { name: "category.value", dtype: "f32", count: cv.length }, data: bytes(cv) });
    const header = Buffer.from(
      JSON.stringify({ ...this.meta, sections: sections.map((s) => s.info) }),
      "utf8",
    );
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    // Sections start 4-byte aligned so they can be viewed without copying.
    const pad = Buffer.alloc((4 - ((MAGIC.length + 4 + header.length) % 4)) % 4, 0x20);
    return Buffer.concat([MAGIC, len, header, pad, ...sections.map((s) => s.data)]);
  }

  /** `sha256`: the bytes' hash when the caller has just computed it (saves hashing 10 MB twice). */
  static deserialize(buf: Buffer, source = "model artifact", sha256?: string): BuiltinModel {
    if (buf.length < 8 || !buf.subarray(0, 4).equals(MAGIC)) {
      throw new IntegrityError(`${source} is not a Bulwark model (bad magic bytes)`);
    }
    const headerLen = buf.readUInt32LE(4);
    if (headerLen > MAX_HEADER_BYTES)
      throw new IntegrityError(`${source} declares a header of ${headerLen} bytes, over ${MAX_HEADER_BYTES}`);
    if (8 + headerLen > buf.length) throw new IntegrityError(`${source} is truncated (header)`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.subarray(8, 8 + headerLen).toString("utf8"));
    } catch {
      throw new IntegrityError(`${source} has a corrupt header`);
    }
    const format = (parsed as { format?: unknown } | null)?.format;
    if (format !== MODEL_FORMAT) throw new IntegrityError(`${source} has unknown format ${String(format)}`);
    let offset = 8 + headerLen;
    offset += (4 - (offset % 4)) % 4;
    // Every field checked before the header sizes anything: weights, sections, a file name.
    const header = checkModelHeader(parsed, Math.max(0, buf.length - offset), source);
    const data = new Map<string, Uint32Array | Float32Array>();
    for (const s of header.sections) {
      const size = s.count * 4;
      if (offset + size > buf.length) throw new IntegrityError(`${source} is truncated (section ${s.name})`);
      // The sections are read once, into the dense weights: a view is enough when aligned.
      const start = buf.byteOffset + offset;
      const aligned = start % 4 === 0;
      const buffer = aligned ? buf.buffer : buf.buffer.slice(start, start + size);
      const at = aligned ? start : 0;
      data.set(
        s.name,
        s.dtype === "u32" ? new Uint32Array(buffer, at, s.count) : new Float32Array(buffer, at, s.count),
      );
      offset += size;
    }
    if (offset !== buf.length) throw new IntegrityError(`${source} has trailing bytes`);
    const { sections: _sections, ...meta } = header;
    // The format was compared with MODEL_FORMAT before the header was checked.
    const model = new BuiltinModel({ ...meta, format: MODEL_FORMAT });
    dense(
      model.weights,
      data.get("weights.index") as Uint32Array,
      data.get("weights.value") as Float32Array,
      1,
      source,
    );
    dense(
      model.categoryWeights,
      data.get("category.index") as Uint32Array,
      data.get("category.value") as Float32Array,
      CATEGORIES.length,
      source,
    );
    model.sha256 = sha256 ?? sha256Hex(buf);
    return model;
  }
}

export function sha256Hex(buf: Buffer | Uint8Array): string {
  return createHash("sha256").update(buf).digest("hex");
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function argmaxCategory(scores: number[]): Category {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return CATEGORIES[best]!;
}

function bytes(a: Uint32Array | Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Indices of non-zero rows (of `width` values) and their values. */
function sparse(w: Float32Array, width: number): [Uint32Array, Float32Array] {
  const rows: number[] = [];
  for (let r = 0; r < w.length / width; r++) {
    for (let c = 0; c < width; c++) {
      if (w[r * width + c] !== 0) {
        rows.push(r);
        break;
      }
    }
  }
  const values = new Float32Array(rows.length * width);
  rows.forEach((r, i) => values.set(w.subarray(r * width, r * width + width), i * width));
  return [Uint32Array.from(rows), values];
}

function dense(
  target: Float32Array,
  index: Uint32Array,
  values: Float32Array,
  width: number,
  source: string,
): void {
  if (!index || !values || values.length !== index.length * width)
    throw new IntegrityError(`${source} has inconsistent weight sections`);
  // Element by element: a subarray per weight costs more than the copy (a million of them).
  const rows = target.length / width;
  for (let i = 0; i < index.length; i++) {
    const r = index[i]!;
    if (r >= rows) throw new IntegrityError(`${source} has a weight index out of range`);
    for (let c = 0; c < width; c++) target[r * width + c] = values[i * width + c]!;
  }
}
