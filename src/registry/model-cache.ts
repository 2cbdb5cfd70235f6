/**
 * Loaded model versions kept in memory, most recently used first, within a budget in
 * bytes: promoting a version that was loaded before (a rollback, an ensemble whose members
 * are already in service) costs no reading, hashing or ONNX session start. A version is
 * charged its files' size times its format's memory factor. Loads of one version at the
 * same time share one read; a load that fails is not kept. An entry dropped from the
 * cache is only forgotten: a server still serving it keeps it until it serves another.
 */
/** What the cache needs of a version (a ModelVersion has it). */
export interface CachedVersion {
  id: string;
  sha256: string;
  format: string;
  /** The artifact's size; the companion files' sizes add to it. */
  size: number;
  companions: readonly { size: number }[];
}

/** What the cache reports as it works (Prometheus counters in the server). */
export interface ModelCacheObserver {
  hit?(format: string): void;
  miss?(format: string): void;
  /** A load that read and verified the files, and how long it took. */
  loaded?(format: string, seconds: number): void;
  evicted?(format: string): void;
}

export interface ModelCacheStats {
  entries: number;
  bytes: number;
  budgetBytes: number;
  hits: number;
  misses: number;
  evictions: number;
}

interface Entry {
  format: string;
  bytes: number;
  value: Promise<unknown>;
}

export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(
    /** 0 keeps nothing: every load reads and verifies the files. */
    readonly budgetBytes: number,
    private readonly observer: ModelCacheObserver = {},
  ) {
    if (!(budgetBytes >= 0)) throw new RangeError("the model cache budget must be 0 or more bytes");
  }

  /** The loaded version from the cache, or `load`'s result (kept when it fits the budget). */
  async get<T>(v: CachedVersion, memoryFactor: number, load: () => Promise<T>): Promise<T> {
    const key = `${v.id}:${v.sha256}`;
    const found = this.entries.get(key);
    if (found) {
      // Most recently used goes last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, found);
      this.hits++;
      this.observer.hit?.(v.format);
      return found.value as Promise<T>;
    }
    this.misses++;
    this.observer.miss?.(v.format);
    const started = performance.now();
    const value = load();
    const size = Math.ceil((v.size + v.companions.reduce((n, c) => n + c.size, 0)) * memoryFactor);
    if (this.budgetBytes > 0) {
      const entry: Entry = { format: v.format, bytes: size, value };
      this.entries.set(key, entry);
      this.bytes += size;
      value.catch(() => this.drop(key, entry));
    }
    const result = await value;
    this.observer.loaded?.(v.format, (performance.now() - started) / 1000);
    this.evict(key);
    return result;
  }

  stats(): ModelCacheStats {
    return {
      entries: this.entries.size,
      bytes: this.bytes,
      budgetBytes: this.budgetBytes,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }

  /** Drops least recently used entries until the budget holds, never the one just loaded. */
  private evict(keep: string): void {
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.budgetBytes) return;
      if (key === keep) continue;
      this.drop(key, entry);
      this.evictions++;
      this.observer.evicted?.(entry.format);
    }
  }

  private drop(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
