/**
 * How the registry writes things down: where a version's files go, a database row read as
 * a ModelVersion or a StageEvent, and a version written out as the manifest stored beside
 * its artifact (and copied into every production snapshot). One place, so every part reads
 * rows the same way.
 */
import { fromJson, toNumber, type ModelStageEventsTable, type ModelVersionsTable } from "../db/schema.js";
import { PREFIXES } from "../storage/layout.js";
import type { ModelManifest, ModelVersion, Stage, StageEvent } from "./types.js";

/** The folder of a version's artifact, companion files and manifest: models/{name}/{version}/. */
export function versionDir(name: string, version: string): string {
  return `${PREFIXES.models}${name}/${version}/`;
}

export function toVersion(row: ModelVersionsTable): ModelVersion {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    ref: `${row.name}@${row.version}`,
    family: row.family,
    format: row.format,
    stage: row.stage as Stage,
    sha256: row.sha256 ?? "",
    size: toNumber(row.size_bytes) ?? 0,
    artifactKey: row.artifact_key,
    manifestKey: row.manifest_key,
    artifactVersionId: row.artifact_version_id,
    companions: fromJson(row.companions, []),
    parentVersion: row.parent_version,
    runId: row.run_id,
    datasets: fromJson(row.datasets, []),
    params: fromJson(row.params, {}),
    metrics: fromJson(row.metrics, {}),
    description: row.description,
    createdAt: row.created_at,
    createdBy: row.created_by,
    stageChangedAt: row.stage_changed_at,
    stageChangedBy: row.stage_changed_by,
    retrainRequired: Number(row.retrain_required ?? 0) === 1,
    retrainReason: row.retrain_reason ?? null,
  };
}

export function toEvent(row: ModelStageEventsTable): StageEvent {
  return {
    id: row.id,
    name: row.model_name,
    version: row.version,
    from: row.from_stage as Stage,
    to: row.to_stage as Stage,
    action: row.action,
    actor: row.actor,
    reason: row.reason,
    at: row.at,
    snapshotKey: row.snapshot_key,
    snapshotLocked: row.snapshot_locked === null ? null : row.snapshot_locked === 1,
  };
}

export function manifestOf(v: ModelVersion): ModelManifest {
  return {
    name: v.name,
    version: v.version,
    family: v.family,
    format: v.format,
    artifact: { key: v.artifactKey, sha256: v.sha256, size: v.size, versionId: v.artifactVersionId },
    ...(v.companions.length > 0 ? { companions: v.companions } : {}),
    lineage: { datasets: v.datasets, parentVersion: v.parentVersion, runId: v.runId },
    params: v.params,
    metrics: v.metrics,
    description: v.description,
    createdAt: v.createdAt,
    createdBy: v.createdBy,
  };
}
