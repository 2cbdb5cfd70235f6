/** The registry's vocabulary: stages, model versions, their manifests and stage changes. */
import type { AuditSink } from "../audit/sink.js";
import type { DatasetLineage } from "../data/dataset-record.js";
import type { DatabaseHandle } from "../db/open.js";
import type { ModelVersionsTable } from "../db/schema.js";
import type { ObjectStore } from "../storage/types.js";
import type { SnapshotRetention } from "./config.js";
import type { ModelCache } from "./model-cache.js";
import type { SnapshotResult } from "./snapshot.js";
import type { Bump } from "./versions.js";

export const STAGES = ["none", "staging", "production", "archived"] as const;
export type Stage = (typeof STAGES)[number];

export function isStage(value: string): value is Stage {
  return (STAGES as readonly string[]).includes(value);
}

/** The stages a version is promoted to; the others are reached by archiving (or `setStage`). */
export type PromotionStage = Extract<Stage, "staging" | "production">;

export interface StageOptions {
  /** Why, kept in the stage history and the audit trail. */
  reason?: string;
  /** Production only: leave things as they are when another version is in production. */
  ifNoProduction?: boolean;
}

export interface ModelVersion {
  id: string;
  name: string;
  version: string;
  /** `name@version` */
  ref: string;
  family: string;
  format: string;
  stage: Stage;
  sha256: string;
  size: number;
  artifactKey: string;
  manifestKey: string;
  artifactVersionId: string | null;
  /** Files the format owns beside the artifact, as registered (empty for a format of one file). */
  companions: CompanionFile[];
  parentVersion: string | null;
  runId: string | null;
  datasets: DatasetLineage[];
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  description: string | null;
  createdAt: string;
  createdBy: string;
  stageChangedAt: string | null;
  stageChangedBy: string | null;
  /** Data it was trained on was erased (src/retention/erasure.ts): train it again without that data. */
  retrainRequired: boolean;
  retrainReason: string | null;
}

/** A file a version owns beside its artifact, under the same models/{name}/{version}/. */
export interface CompanionFile {
  /** Its file name, as the format declares it (e.g. "tokenizer.json"). */
  file: string;
  key: string;
  /** Recorded at registration; every load checks the stored bytes against it. */
  sha256: string;
  size: number;
  versionId: string | null;
}

/** A version's files, read and verified: the artifact and its companion files by file name. */
export interface ModelFiles {
  artifact: Buffer;
  companions: Record<string, Buffer>;
}

export interface StageEvent {
  id: string;
  name: string;
  version: string;
  from: Stage;
  to: Stage;
  action: string;
  actor: string;
  reason: string | null;
  at: string;
  snapshotKey: string | null;
  snapshotLocked: boolean | null;
}

export interface ModelManifest {
  name: string;
  version: string;
  family: string;
  format: string;
  /** The primary file; its SHA-256 is the version's. */
  artifact: { key: string; sha256: string; size: number; versionId: string | null };
  /** Only for a format that owns files beside the artifact. */
  companions?: CompanionFile[];
  lineage: { datasets: DatasetLineage[]; parentVersion: string | null; runId: string | null };
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  description: string | null;
  createdAt: string;
  createdBy: string;
}

export interface ReserveInput {
  name: string;
  /** Explicit version; default: the next one (`bump` of the highest, 1.0.0 for the first). */
  version?: string;
  bump?: Bump;
  format: string;
  /** Default: the production version at reservation time. */
  parentVersion?: string | null;
  runId?: string | null;
}

export interface CompleteInput {
  artifact: Buffer;
  /** The format's companion files by file name, e.g. {"tokenizer.json": bytes}: all it declares, no others. */
  companions?: Record<string, Buffer>;
  datasets?: DatasetLineage[];
  params?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  description?: string;
  runId?: string | null;
}

export type RegisterInput = ReserveInput & CompleteInput;

/** A version number taken for a model whose artifact is not stored yet (hidden from listings). */
export interface Reservation {
  id: string;
  name: string;
  version: string;
  format: string;
  parentVersion: string | null;
  /** The row as reserved. */
  row: ModelVersionsTable;
}

export interface VerifyResult {
  ref: string;
  name: string;
  version: string;
  stage: Stage;
  ok: boolean;
  /** SHA-256s and size of the artifact, or of the companion file that failed its check. */
  expected: string;
  actual: string | null;
  size: number | null;
  /** What is wrong, when not ok. */
  problem?: string;
}

export interface LoadedModel<M = unknown> {
  version: ModelVersion;
  model: M;
}

export interface StageChange {
  version: ModelVersion;
  /** The version that left production, for a production change. */
  demoted?: ModelVersion;
  /** Null when the stage did not change. */
  event: StageEvent | null;
  snapshot?: SnapshotResult;
  /** The snapshot could not be written (the stage change itself stands). */
  snapshotError?: string;
}

export interface RegistryOptions {
  actor?: string;
  audit?: AuditSink;
  snapshotRetention?: SnapshotRetention;
  /** Loaded versions kept in memory (none: every load reads and verifies the files). */
  cache?: ModelCache;
}

/**
 * What every part of the registry works with: the metadata database, the object store,
 * who is acting, where audit entries go, and how production snapshots are retained.
 */
export interface RegistryContext {
  db: DatabaseHandle;
  store: ObjectStore;
  actor: string;
  audit: AuditSink;
  retention: SnapshotRetention;
  cache?: ModelCache;
}
