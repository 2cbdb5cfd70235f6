/**
 * The vocabulary of retention, erasure and access: what each is given (the database, the
 * store, the audit trail) and what each answers. A subject is always its keyed hash here
 * (app.privacy.subject): the end user's own id never reaches this layer, a job's payload or
 * the audit trail.
 */
import type { HashChainAuditLog } from "../audit/chain.js";
import type { DatabaseHandle } from "../db/open.js";
import type { DetectionEventsTable, FeedbackTable, ShadowResultsTable } from "../db/schema.js";
import type { ObjectStore } from "../storage/types.js";
import type { ProtectedVersion } from "./objects.js";

export type { ProtectedVersion };

export interface PrivacyDeps {
  db: DatabaseHandle;
  store: ObjectStore;
  audit: HashChainAuditLog;
}

/** The kinds of kept data retention ages out, each with its own limit in days. */
export const RETENTION_KINDS = ["events", "feedback", "redteam", "datasets", "logs"] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** Days per kind (0: kept until erased). */
export type RetentionLimits = Record<RetentionKind, number>;

export interface RetentionKindReport {
  days: number;
  /** Everything older than this was due (null: the kind is kept forever). */
  cutoff: string | null;
  /** Rows or object versions removed (or, on a dry run, that would be). */
  deleted: number;
  /** Object versions due but kept because Object Lock protects them. */
  protected: number;
}

export interface RetentionReport {
  dryRun: boolean;
  at: string;
  kinds: Record<RetentionKind, RetentionKindReport>;
  /** Shadow model comparisons (shadow_results): they expire with the events' limit. */
  shadow: RetentionKindReport;
  /** The versions kept by Object Lock, at most 100 listed. */
  protectedVersions: ProtectedVersion[];
}

/** Erasure's receipt: what was found of a subject, what was removed, what could not be. */
export interface ErasureReceipt {
  id: string;
  /** The subject's keyed hash. */
  subject: string;
  at: string;
  by: string;
  events: { found: number; removed: number };
  feedback: { found: number; removed: number };
  /** The subject's shadow model comparisons (shadow_results). */
  shadow: { found: number; removed: number };
  /** Rows derived from the subject's data in stored JSONL objects (learning data, datasets). */
  derived: {
    /** Matching rows over every version read. */
    rows: number;
    objects: string[];
    versions: { found: number; removed: number; rewritten: number; protected: number };
  };
  protected: ProtectedVersion[];
  datasets: { id: string; name: string; version: number }[];
  /** Stored learning data (combined-data/) that held the subject's rows. */
  learningData: string[];
  /** Model versions whose lineage held the subject's rows: marked retrain_required. */
  models: string[];
  /** False when Object Lock kept some versions (listed in `protected`): they go when their lock ends. */
  complete: boolean;
}

export interface SubjectExport {
  subject: string;
  at: string;
  /** As stored (JSON columns as their text). */
  events: DetectionEventsTable[];
  /** As stored: texts redacted, the subject as its hash. */
  feedback: FeedbackTable[];
  /** Shadow model comparisons, as stored (a text only where the two models disagreed, as kept). */
  shadow: ShadowResultsTable[];
  /** Rows in the latest version of stored JSONL objects derived from the subject's data. */
  derived: { key: string; versionId: string; row: Record<string, unknown> }[];
  datasets: { id: string; name: string; version: number; rows: number }[];
}
