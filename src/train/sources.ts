/**
 * Where training samples come from: an array in memory, or a stream read once per epoch
 * (a dataset of any size, with memory bounded by the model and a few fixed-size buffers).
 */
import type { Sample } from "../data/sample.js";
import { mulberry32 } from "../core/random.js";

export interface SampleStream {
  /** A fresh pass over every sample; called once per epoch. */
  samples(): AsyncIterable<Sample>;
}

export type SampleSource = readonly Sample[] | SampleStream;

export function isStream(source: SampleSource): source is SampleStream {
  return !Array.isArray(source) && typeof (source as SampleStream).samples === "function";
}

/** A stream over an in-memory array (lets large arrays take the bounded-memory path). */
export function streamOf(samples: readonly Sample[]): SampleStream {
  return {
    async *samples() {
      yield* samples;
    },
  };
}

/** The samples of a source that pass `keep`, as a source of the same kind (an array stays an array). */
export function filterSource(source: SampleSource, keep: (s: Sample) => boolean): SampleSource {
  if (!isStream(source)) return source.filter(keep);
  return {
    async *samples() {
      for await (const s of source.samples()) if (keep(s)) yield s;
    },
  };
}

/** One pass over every sample of a source, array or stream alike. */
export async function* eachSample(source: SampleSource): AsyncGenerator<Sample> {
  if (isStream(source)) yield* source.samples();
  else yield* source;
}

/**
 * Yields the input in a locally shuffled order: a buffer of `size` items, each new item
 * swapping out a random one. Seeded, so a training run is reproducible.
 */
export async function* shuffleBuffer<T>(
  input: AsyncIterable<T>,
  size: number,
  seed: number,
): AsyncGenerator<T> {
  const random = mulberry32(seed);
  const buffer: T[] = [];
  for await (const item of input) {
    if (buffer.length < size) {
      buffer.push(item);
      continue;
    }
    const j = Math.floor(random() * size);
    yield buffer[j]!;
    buffer[j] = item;
  }
  for (let i = buffer.length - 1; i >= 0; i--) {
    const j = Math.floor(random() * (i + 1));
    yield buffer[j]!;
    buffer[j] = buffer[i]!;
  }
}

/** Reservoir sampling (algorithm R): a uniform sample of at most `capacity` items of a stream. */
export class Reservoir<T> {
  readonly items: T[] = [];
  seen = 0;
  private readonly random: () => number;

  constructor(
    readonly capacity: number,
    seed: number,
  ) {
    this.random = mulberry32(seed);
  }

  offer(item: T): void {
    this.seen++;
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    const j = Math.floor(this.random() * this.seen);
    if (j < this.capacity) this.items[j] = item;
  }
}
