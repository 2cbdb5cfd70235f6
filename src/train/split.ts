/**
 * Deterministic train/validation split by groups of related texts, never by row: a text
 * and its near-copies (the clean and injected versions of one document, translations
 * that share a template) must fall on the same side, or validation figures flatter the model.
 * Texts are grouped when they share their first or their last 48 normalised characters,
 * or when their source gave them the same `group` (translations share no characters).
 */
import { hashString } from "../text/tokens.js";
import type { Sample } from "../data/sample.js";

/** The text reduced to lower-case letters and digits: what related texts share. */
export function splitKey(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "");
}

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!;
      i = this.parent[i]!;
    }
    return i;
  }
  union(a: number, b: number): void {
    this.parent[this.find(a)] = this.find(b);
  }
}

/** A well-mixed hash of a string and a seed, in [0, 1). */
export function unitHash(s: string, seed: number): number {
  let h = hashString(s, seed);
  // murmur3's finaliser: FNV alone leaves the high bits poorly mixed.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** Group ids for samples: equal ids are related texts. */
export function relatedGroups(samples: readonly Sample[]): number[] {
  const uf = new UnionFind(samples.length);
  const firstSeen = new Map<string, number>();
  samples.forEach((s, i) => {
    const k = splitKey(s.text);
    const parts = [`h:${s.source}:${k.slice(0, 48)}`, `t:${s.source}:${k.slice(-48)}`];
    if (s.group !== undefined) parts.push(`g:${s.source}:${s.group}`);
    for (const part of parts) {
      const j = firstSeen.get(part);
      if (j === undefined) firstSeen.set(part, i);
      else uf.union(i, j);
    }
  });
  return samples.map((_, i) => uf.find(i));
}

/** Splits samples so that about `fraction` of each source's groups go to validation. */
export function groupSplit<T extends Sample>(
  samples: readonly T[],
  fraction: number,
  seed: number,
): { train: T[]; validation: T[] } {
  const groups = relatedGroups(samples);
  const train: T[] = [];
  const validation: T[] = [];
  samples.forEach((s, i) => {
    const root = samples[groups[i]!]!;
    const u = unitHash(`${root.source}:${splitKey(root.text).slice(0, 64)}`, seed);
    (u < fraction ? validation : train).push(s);
  });
  return { train, validation };
}
