/**
 * Pretrained word vectors as dense features: the mean of the unit vectors of a window's
 * words. Hashed n-grams only know the words they were trained on; the vectors carry what
 * GloVe learned from billions of words, so "disregard" lands near "ignore" and a paraphrased
 * attack near its original. Tables are looked up by the extractor's own word hashes, so no
 * word strings are allocated on the hot path.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ValidationError } from "../core/errors.js";
import { EMBEDDINGS_DIR } from "../core/paths.js";
import { wordHash } from "../text/tokens.js";

/** What an embeddings name may be: a plain file name stem, never a path. */
export const EMBEDDINGS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface EmbeddingTable {
  name: string;
  dims: number;
  rows: number;
  /** SHA-256 of the file the table was read from; a model records it and refuses another. */
  sha256: string;
  /** Open-addressing hash table from word hash to row + 1 (0: empty): a lookup is a probe or two. */
  keys: Int32Array;
  slots: Int32Array;
  shift: number;
  vectors: Float32Array;
}

const GOLDEN = 0x9e3779b1 | 0;

function buildIndex(hashes: readonly number[]): { keys: Int32Array; slots: Int32Array; shift: number } {
  let bits = 4;
  while (1 << bits < hashes.length * 2) bits++;
  const size = 1 << bits;
  const keys = new Int32Array(size);
  const slots = new Int32Array(size);
  const shift = 32 - bits;
  hashes.forEach((h, row) => {
    let i = Math.imul(h, GOLDEN) >>> shift;
    while (slots[i] !== 0) {
      if (keys[i] === h) return; // first (most frequent) word wins a hash collision
      i = (i + 1) & (size - 1);
    }
    keys[i] = h;
    slots[i] = row + 1;
  });
  return { keys, slots, shift };
}

/** Row of a word hash, or -1. */
export function rowOf(table: EmbeddingTable, hash: number): number {
  const mask = table.keys.length - 1;
  let i = Math.imul(hash, GOLDEN) >>> table.shift;
  for (;;) {
    const slot = table.slots[i]!;
    if (slot === 0) return -1;
    if (table.keys[i] === hash) return slot - 1;
    i = (i + 1) & mask;
  }
}

const loaded = new Map<string, EmbeddingTable>();

/**
 * File format "BWE1": magic, u32 rows, u32 dims, u32 byte length of the newline-joined
 * words, the words (UTF-8), then per row a float32 scale and `dims` int8 values
 * (vector = scale * int8). Gzip-compressed on disk.
 */
export function decodeTable(name: string, raw: Buffer): EmbeddingTable {
  const buf = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  if (buf.toString("ascii", 0, 4) !== "BWE1") throw new ValidationError(`embeddings ${name}: bad magic`);
  const rows = buf.readUInt32LE(4);
  const dims = buf.readUInt32LE(8);
  const wordBytes = buf.readUInt32LE(12);
  const words = buf.toString("utf8", 16, 16 + wordBytes).split("\n");
  if (words.length !== rows)
    throw new ValidationError(`embeddings ${name}: ${words.length} words for ${rows} rows`);
  let off = 16 + wordBytes;
  const vectors = new Float32Array(rows * dims);
  // One typed view over the bytes: Buffer.readInt8 per value is several times slower.
  const int8 = new Int8Array(buf.buffer, buf.byteOffset, buf.length);
  for (let r = 0; r < rows; r++) {
    const scale = buf.readFloatLE(off);
    off += 4;
    const base = r * dims;
    for (let d = 0; d < dims; d++) vectors[base + d] = scale * int8[off + d]!;
    off += dims;
  }
  const index = buildIndex(words.map(wordHash));
  return { name, dims, rows, ...index, vectors, sha256: createHash("sha256").update(raw).digest("hex") };
}

export function encodeTable(words: readonly string[], vectors: Float32Array, dims: number): Buffer {
  const wordBuf = Buffer.from(words.join("\n"), "utf8");
  const out = Buffer.alloc(16 + wordBuf.length + words.length * (4 + dims));
  out.write("BWE1", 0, "ascii");
  out.writeUInt32LE(words.length, 4);
  out.writeUInt32LE(dims, 8);
  out.writeUInt32LE(wordBuf.length, 12);
  wordBuf.copy(out, 16);
  let off = 16 + wordBuf.length;
  for (let r = 0; r < words.length; r++) {
    let max = 0;
    for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(vectors[r * dims + d]!));
    const scale = max / 127 || 1;
    out.writeFloatLE(scale, off);
    off += 4;
    for (let d = 0; d < dims; d++) out.writeInt8(Math.round(vectors[r * dims + d]! / scale), off + d);
    off += dims;
  }
  return out;
}

export function loadEmbeddings(name: string): EmbeddingTable {
  const hit = loaded.get(name);
  if (hit) return hit;
  // A plain name, never a path: model files name their embeddings (`model-header.ts`).
  if (!EMBEDDINGS_NAME.test(name)) throw new ValidationError(`embeddings name "${name}" is not a plain name`);
  const path = join(EMBEDDINGS_DIR, `${name}.bwe.gz`);
  if (!existsSync(path)) throw new ValidationError(`embeddings "${name}" not found at ${path}`);
  const table = decodeTable(name, readFileSync(path));
  loaded.set(name, table);
  return table;
}

/** Rows of the known words among `hashes[0..count)`, written to `out`; returns how many. */
export function knownRows(table: EmbeddingTable, hashes: Int32Array, count: number, out: Int32Array): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const row = rowOf(table, hashes[i]!);
    if (row >= 0) out[n++] = row;
  }
  return n;
}

/** Mean of the vectors at `rows` into `out` (zeros when there are none). */
export function meanOfRows(table: EmbeddingTable, rows: Int32Array, out: Float32Array): Float32Array {
  out.fill(0);
  const { dims, vectors } = table;
  for (const row of rows) {
    const base = row * dims;
    for (let d = 0; d < dims; d++) out[d]! += vectors[base + d]!;
  }
  if (rows.length > 0) for (let d = 0; d < dims; d++) out[d]! /= rows.length;
  return out;
}

/**
 * Every row's vector dotted with `weights`: a linear model on the mean vector equals the mean
 * of these projections, so detection adds one number per word instead of a hundred.
 */
export function projectRows(table: EmbeddingTable, weights: Float32Array): Float32Array {
  const { dims, vectors, rows } = table;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let d = 0; d < dims; d++) s += vectors[r * dims + d]! * weights[d]!;
    out[r] = s;
  }
  return out;
}
