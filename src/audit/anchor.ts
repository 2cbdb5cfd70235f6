/**
 * Head anchors: the newest entry's seq and hash, written as a small locked object
 * (`snapshots/audit/heads/head_<seq>_<hash>.json`) every `every` entries and every
 * `intervalMs`, so entries after the last snapshot are protected within about a minute
 * instead of an hour. `verify` holds the log to every anchor like to a snapshot: an
 * anchored entry that is gone or different is tampering, and so is a delete marker on
 * an anchor (seals.ts).
 *
 * Anchoring is off the request path: appends only tell the anchorer the new head (a
 * comparison of two numbers), and the write runs in the background, one at a time and at
 * most once a second, so a flood of refused requests costs one small write a second.
 */
import type { HashChainAuditLog } from "./chain.js";
import { headKey } from "./seals.js";
import { BucketLockNotEnabledError } from "../storage/errors.js";
import type { LockMode, ObjectStore } from "../storage/types.js";

export interface AnchorSettings {
  /** Anchor when the head is this many entries past the last anchor (0: only on the timer). */
  every: number;
  /** Anchor a moved head this often (0: only by count). */
  intervalMs: number;
  mode: LockMode;
  retentionDays: number;
}

export interface AnchorResult {
  key: string;
  seq: number;
  hash: string;
  locked: boolean;
}

/** Writes the current head as an anchor unless it is at or below `after`; null when nothing moved. */
export async function anchorHead(
  log: HashChainAuditLog,
  store: ObjectStore,
  options: { mode: LockMode; retentionDays: number; after?: number; now?: Date },
): Promise<AnchorResult | null> {
  const head = await log.head();
  if (!head || head.seq <= (options.after ?? 0)) return null;
  const now = options.now ?? new Date();
  const key = headKey(head.seq, head.hash);
  const body = `${JSON.stringify({ seq: head.seq, hash: head.hash, at: now.toISOString() })}\n`;
  const retainUntil = new Date(now.getTime() + options.retentionDays * 86_400_000).toISOString();
  const put = (locked: boolean) =>
    store.put(key, body, {
      contentType: "application/json",
      metadata: { kind: "audit-head", seq: String(head.seq) },
      ...(locked ? { retention: { mode: options.mode, retainUntil } } : {}),
    });
  try {
    await put(true);
    return { key, ...head, locked: true };
  } catch (err) {
    if (!(err instanceof BucketLockNotEnabledError)) throw err;
    await put(false);
    return { key, ...head, locked: false };
  }
}

const MIN_GAP_MS = 1000;

export class HeadAnchorer {
  private anchored = 0;
  private seen = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private lastStart = 0;
  private delayed: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly log: HashChainAuditLog,
    private readonly store: ObjectStore,
    private readonly settings: AnchorSettings,
    private readonly onError: (err: unknown) => void,
    private readonly onAnchor: (result: AnchorResult) => void = () => undefined,
  ) {}

  /** Told the new head after each committed batch; cheap, never waits. */
  noticed(seq: number): void {
    this.seen = Math.max(this.seen, seq);
    if (this.settings.every > 0 && this.seen - this.anchored >= this.settings.every) this.trigger();
  }

  /** Starts the timer that anchors a moved head (also heads appended by other processes). */
  start(): void {
    if (this.settings.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.trigger(), this.settings.intervalMs);
    this.timer.unref();
  }

  /** Anchors soon, in the background: at most one write at a time and one a second. */
  trigger(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.lastStart + MIN_GAP_MS - Date.now();
    if (wait > 0) {
      this.delayed ??= setTimeout(() => {
        this.delayed = undefined;
        this.trigger();
      }, wait);
      this.delayed.unref();
      return;
    }
    this.lastStart = Date.now();
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.trigger();
      }
    });
  }

  private async run(): Promise<void> {
    try {
      const result = await anchorHead(this.log, this.store, {
        mode: this.settings.mode,
        retentionDays: this.settings.retentionDays,
        after: this.anchored,
      });
      if (result) {
        this.anchored = result.seq;
        this.onAnchor(result);
      }
    } catch (err) {
      this.onError(err);
    }
  }

  /** Stops the timers and waits for a write in progress. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.delayed);
    await this.running;
  }
}
