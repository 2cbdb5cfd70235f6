/**
 * The audit trail: an append-only log in the metadata database where every entry carries
 * the SHA-256 of the previous one. Editing an entry breaks its own hash, removing one
 * leaves a gap in the sequence and a broken link, and rewriting or cutting the tail is
 * caught by the seals kept under Object Lock in `snapshots/audit/` (snapshots of the
 * entries, and small head anchors written every few entries, see anchor.ts), whose names
 * carry the sequence number and hash of the head they saw (seals.ts).
 *
 * Appends from many processes (servers, workers, the CLI) are ordered by the primary key:
 * an append that loses the race for a sequence number re-reads the head and tries again.
 * Within a process, entries are batched into one transaction per tick so that a flood of
 * refused requests costs one write, not one per request.
 */
import { createHash } from "node:crypto";
import { isUniqueViolation } from "../db/errors.js";
import type { DatabaseHandle } from "../db/open.js";
import type { AuditLogTable } from "../db/schema-auth.js";
import { writeTransaction } from "../db/transaction.js";
import type { AuditEntry, AuditSink } from "./sink.js";
import { BucketLockNotEnabledError } from "../storage/errors.js";
import type { ObjectStore } from "../storage/types.js";
import { AUDIT_SNAPSHOT_PREFIX, readSeals, snapshotKey, type Seal } from "./seals.js";
import { scrubText, scrubValue } from "../privacy/scrub.js";

export { AUDIT_SNAPSHOT_PREFIX, snapshotKey };
export const GENESIS_HASH = "0".repeat(64);

/**
 * actor: "user:alice", "key:ci-scanner", "cli:root", "system:first-start", "anonymous@127.0.0.1";
 * action: a dotted verb, "auth.login", "auth.refused", "user.create", "model.promote"...
 */
export type AuditEntryInput = AuditEntry;

export interface AuditRecord {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  details: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

export interface AuditProblem {
  seq: number;
  /**
   * edited, removed, broken_link: the chain itself; anchor_mismatch: a locked seal's head is
   * gone or different; seal_removed: a seal was hidden with a delete marker; snapshot_gap:
   * a range of entries is in no snapshot (one was destroyed).
   */
  kind: "edited" | "removed" | "broken_link" | "anchor_mismatch" | "seal_removed" | "snapshot_gap";
  message: string;
}

export interface AuditVerifyReport {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  /** Seals (snapshots and head anchors) whose head was compared with the log. */
  anchorsChecked: number;
  /** The newest head any seal recorded: the log may not end before it. */
  sealedHead: { seq: number; hash: string; key: string } | null;
  problems: AuditProblem[];
}

export interface AuditQuery {
  afterSeq?: number;
  limit?: number;
  actor?: string;
  action?: string;
  outcome?: string;
  order?: "asc" | "desc";
}

export function entryHash(prevHash: string, row: Omit<AuditLogTable, "hash" | "prev_hash">): string {
  return createHash("sha256")
    .update(prevHash)
    .update("\n")
    .update(JSON.stringify([row.seq, row.ts, row.actor, row.action, row.target, row.outcome, row.details]))
    .digest("hex");
}

function toRecord(row: AuditLogTable): AuditRecord {
  return {
    seq: Number(row.seq),
    ts: row.ts,
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

interface Pending {
  entry: AuditEntryInput;
  resolve: (r: AuditRecord) => void;
  reject: (e: unknown) => void;
}

export class HashChainAuditLog implements AuditSink {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private readonly committed: ((head: AuditRecord) => void)[] = [];

  constructor(
    private readonly handle: DatabaseHandle,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get db() {
    return this.handle.db;
  }

  /** Appends an entry (AuditSink); resolves once it is committed. */
  async record(entry: AuditEntryInput): Promise<void> {
    await this.write(entry);
  }

  /** Appends an entry and returns it as committed, with its seq and hash. */
  write(entry: AuditEntryInput): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      this.flushing ??= new Promise<void>((done) => setImmediate(done)).then(() => this.drain());
    });
  }

  /** Calls `fn` with the newest entry after each committed batch (the head anchorer). */
  onCommitted(fn: (head: AuditRecord) => void): void {
    this.committed.push(fn);
  }

  /** Waits for every entry recorded so far to be committed. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, 500);
        try {
          const records = await this.appendBatch(batch.map((p) => p.entry));
          batch.forEach((p, i) => p.resolve(records[i]!));
          for (const fn of this.committed) fn(records.at(-1)!);
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async appendBatch(entries: AuditEntryInput[]): Promise<AuditRecord[]> {
    // A process that lost the race for the next seq re-reads the head and chains after it.
    return writeTransaction(
      this.handle,
      async (tx) => {
        const head = await tx
          .selectFrom("audit_log")
          .select(["seq", "hash"])
          .orderBy("seq", "desc")
          .limit(1)
          .executeTakeFirst();
        let seq = head ? Number(head.seq) : 0;
        let prev = head?.hash ?? GENESIS_HASH;
        const ts = this.now().toISOString();
        const rows: AuditLogTable[] = entries.map((e) => {
          seq++;
          const base = {
            seq,
            ts,
            actor: clip(e.actor, 200),
            action: clip(e.action, 100),
            // Scrubbed before hashing: a hash chain cannot be edited later, so personal
            // data that entered it could never be erased.
            target: clip(scrubText(e.target), 500),
            outcome: clip(e.outcome, 50),
            details: e.details ? JSON.stringify(scrubValue(e.details)) : null,
          };
          const row = { ...base, prev_hash: prev, hash: entryHash(prev, base) };
          prev = row.hash;
          return row;
        });
        for (let i = 0; i < rows.length; i += 100) {
          await tx
            .insertInto("audit_log")
            .values(rows.slice(i, i + 100))
            .execute();
        }
        return rows.map(toRecord);
      },
      { retryOn: isUniqueViolation, attempts: 100 },
    );
  }

  async head(): Promise<{ seq: number; hash: string } | null> {
    const row = await this.db
      .selectFrom("audit_log")
      .select(["seq", "hash"])
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  }

  async list(q: AuditQuery = {}): Promise<AuditRecord[]> {
    let query = this.db.selectFrom("audit_log").selectAll();
    const desc = q.order === "desc";
    if (q.afterSeq !== undefined) query = query.where("seq", desc ? "<" : ">", q.afterSeq);
    if (q.actor) query = query.where("actor", "=", q.actor);
    if (q.action) query = query.where("action", "=", q.action);
    if (q.outcome) query = query.where("outcome", "=", q.outcome);
    const rows = await query
      .orderBy("seq", desc ? "desc" : "asc")
      .limit(q.limit ?? 100)
      .execute();
    return rows.map(toRecord);
  }

  /** Entries with seq in [from, to], in order. */
  async range(from: number, to: number): Promise<AuditRecord[]> {
    const rows = await this.db
      .selectFrom("audit_log")
      .selectAll()
      .where("seq", ">=", from)
      .where("seq", "<=", to)
      .orderBy("seq")
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Walks the whole chain: every entry must hash to its stored hash, link to the one
   * before it and follow it with no gap. With a store, the heads recorded by the locked
   * snapshots must still be in the chain with the same hash.
   */
  async verify(store?: ObjectStore): Promise<AuditVerifyReport> {
    const problems: AuditProblem[] = [];
    let expected = 1;
    let prev = GENESIS_HASH;
    let entries = 0;
    let head: { seq: number; hash: string } | null = null;
    const hashes = new Map<number, string>();
    const seals = store ? await readSeals(store) : [];
    problems.push(...sealProblems(seals));
    const anchorSeqs = new Set(seals.map((a) => a.to));
    for (let after = 0; ;) {
      const page = await this.db
        .selectFrom("audit_log")
        .selectAll()
        .where("seq", ">", after)
        .orderBy("seq")
        .limit(1000)
        .execute();
      if (page.length === 0) break;
      for (const row of page) {
        const seq = Number(row.seq);
        entries++;
        if (seq > expected) {
          problems.push({
            seq: expected,
            kind: "removed",
            message:
              seq - expected === 1
                ? `entry ${expected} is missing`
                : `entries ${expected} to ${seq - 1} are missing`,
          });
        }
        if (row.prev_hash !== prev) {
          problems.push({
            seq,
            kind: "broken_link",
            message: `entry ${seq} does not link to the entry before it (an entry was removed or rewritten)`,
          });
        }
        const { hash: stored, prev_hash, ...rest } = row;
        if (entryHash(prev_hash, { ...rest, seq }) !== stored) {
          problems.push({ seq, kind: "edited", message: `entry ${seq} was changed after it was written` });
        }
        if (anchorSeqs.has(seq)) hashes.set(seq, stored);
        prev = stored;
        expected = seq + 1;
        head = { seq, hash: stored };
        after = seq;
      }
    }
    for (const a of seals) {
      const found = hashes.get(a.to);
      if (found !== a.hash) {
        problems.push({
          seq: a.to,
          kind: "anchor_mismatch",
          message:
            found === undefined
              ? `entry ${a.to}, recorded by the locked ${a.kind} ${a.key}, is no longer in the log`
              : `entry ${a.to} differs from the locked ${a.kind} ${a.key} (the chain was rewritten)`,
        });
      }
    }
    problems.sort((a, b) => a.seq - b.seq);
    const newest = seals.at(-1);
    return {
      ok: problems.length === 0,
      entries,
      head,
      anchorsChecked: seals.length,
      sealedHead: newest ? { seq: newest.to, hash: newest.hash, key: newest.key } : null,
      problems,
    };
  }
}

/** What the seals say by themselves: hidden ones, and ranges no snapshot covers any more. */
function sealProblems(seals: Seal[]): AuditProblem[] {
  const problems: AuditProblem[] = [];
  for (const seal of seals) {
    if (seal.deleteMarkers.length === 0) continue;
    problems.push({
      seq: seal.to,
      kind: "seal_removed",
      message:
        `the locked ${seal.kind} ${seal.key} (head #${seal.to}) was deleted ` +
        (seal.hasData
          ? "with a delete marker that hides it; its locked version is still there"
          : "and none of its versions is left") +
        ` (delete marker ${seal.deleteMarkers.join(", ")})`,
    });
  }
  let next = 1;
  for (const s of seals) {
    if (s.kind !== "snapshot" || s.from === undefined) continue;
    if (s.from > next) {
      problems.push({
        seq: next,
        kind: "snapshot_gap",
        message: `entries ${next} to ${s.from - 1} are in no snapshot: a snapshot before ${s.key} was destroyed`,
      });
    }
    next = Math.max(next, s.to + 1);
  }
  return problems;
}

export interface SnapshotRef {
  key: string;
  from: number;
  to: number;
  hash: string;
}

/**
 * Snapshots written to the store, oldest first, including those hidden by a delete marker:
 * a hidden snapshot still covers its range, so the next one starts after it.
 */
export async function listSnapshots(store: ObjectStore): Promise<SnapshotRef[]> {
  return (await readSeals(store))
    .filter((s) => s.kind === "snapshot")
    .map((s) => ({ key: s.key, from: s.from!, to: s.to, hash: s.hash }));
}

export interface SnapshotResult {
  key: string;
  versionId: string;
  from: number;
  to: number;
  entries: number;
  locked: boolean;
  retainUntil: string | null;
}

/**
 * Writes the entries recorded since the last snapshot to `snapshots/audit/` with a
 * retention (Object Lock), and returns null when there is nothing new. On a bucket
 * without Object Lock the snapshot is still written, unlocked, and says so.
 */
export async function snapshotAudit(
  log: HashChainAuditLog,
  store: ObjectStore,
  options: { mode: "GOVERNANCE" | "COMPLIANCE"; retentionDays: number; now?: Date },
): Promise<SnapshotResult | null> {
  const head = await log.head();
  if (!head) return null;
  const last = (await listSnapshots(store)).at(-1);
  const from = (last?.to ?? 0) + 1;
  if (from > head.seq) return null;
  const records = await log.range(from, head.seq);
  const body = records.map((r) => JSON.stringify(r)).join("\n") + "\n";
  const key = snapshotKey(from, head.seq, head.hash);
  const retainUntil = new Date(
    (options.now ?? new Date()).getTime() + options.retentionDays * 86_400_000,
  ).toISOString();
  const put = (withLock: boolean) =>
    store.put(key, body, {
      contentType: "application/x-ndjson",
      metadata: { kind: "audit-snapshot", from: String(from), to: String(head.seq) },
      ...(withLock ? { retention: { mode: options.mode, retainUntil } } : {}),
    });
  try {
    const r = await put(true);
    return {
      key,
      versionId: r.versionId,
      from,
      to: head.seq,
      entries: records.length,
      locked: true,
      retainUntil,
    };
  } catch (err) {
    if (!(err instanceof BucketLockNotEnabledError)) throw err;
    const r = await put(false);
    return {
      key,
      versionId: r.versionId,
      from,
      to: head.seq,
      entries: records.length,
      locked: false,
      retainUntil: null,
    };
  }
}
