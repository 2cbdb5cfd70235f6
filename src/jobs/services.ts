/**
 * What job handlers may use, handed in by the application (`app/jobs.ts`), so that the
 * job layer knows the domain's types but never how the backends were chosen or opened.
 */
import type { HashChainAuditLog } from "../audit/chain.js";
import type { S3Config } from "../core/config.js";
import type { DatabaseHandle } from "../db/open.js";
import type { DatasetCatalog } from "../data/datasets.js";
import type { Sealer } from "../data/import/credentials.js";
import type { ImportPolicy } from "../data/import/policy.js";
import type { CycleStore } from "../learn/cycles.js";
import type { ExtraSamples } from "../learn/types.js";
import type { ModelRegistry } from "../registry/registry.js";
import type { PrivacyKit } from "../data/import/privacy.js";
import type { RedactionMode, Redactor } from "../privacy/index.js";
import type { LockMode, ObjectStore } from "../storage/types.js";
import type { RunStore } from "../train/runs.js";
import type { PrivacyDeps, RetentionLimits } from "../retention/types.js";

/** The catalogues a job works on, acting as the job's creator so the audit trail names them. */
export interface JobWorkspace {
  catalog: DatasetCatalog;
  registry: ModelRegistry;
  runs: RunStore;
  cycles: CycleStore;
  close(): Promise<void>;
}

export interface JobServices {
  workspace(actor: string): Promise<JobWorkspace>;
  audit: HashChainAuditLog;
  store: ObjectStore;
  /** Credentials for s3:// imports from buckets other than the store's own. */
  s3: S3Config;
  /** What dataset imports may reach (hosts, buckets) and fetch (per attempt, per source). */
  imports: { policy: ImportPolicy; timeoutMs: number; maxBytes: number };
  /** Seals credentials written into import URLs until the job that needs them runs. */
  sealer: Sealer;
  /** The application's redactors and subject hash (src/app/privacy.ts), for imports and learning data. */
  privacy: PrivacyKit & { redactor: Redactor; redactionMode: RedactionMode };
  snapshot: { mode: LockMode; retentionDays: number };
  /** The model a training job trains when it names none: the one the service serves. */
  defaultModel: string;
  /** Rows beyond the campaign's that a learning cycle learns from (accepted users' reports). */
  learningExtras?: () => Promise<ExtraSamples | undefined>;
  /** The database, store and audit trail retention and erasure work on, and the retention limits. */
  privacyRights?: { deps: PrivacyDeps; limits: () => RetentionLimits };
  /** The database `backup.create` snapshots, and how long scheduled backups stay locked. */
  backup?: { db: DatabaseHandle; lockDays: number; lockMode: LockMode };
  /** Told when a job promoted a model to production (a server reloads it at once). */
  onModelChanged?: () => void;
}

/** Opens the job creator's workspace, runs `fn`, and closes it whatever happens. */
export async function withWorkspace<T>(
  services: JobServices,
  actor: string,
  fn: (w: JobWorkspace) => Promise<T>,
): Promise<T> {
  const w = await services.workspace(actor);
  try {
    return await fn(w);
  } finally {
    await w.close();
  }
}
