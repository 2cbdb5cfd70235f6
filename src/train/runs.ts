/**
 * Experiment runs: every training records what went in (parameters, datasets with their
 * ids and SHA-256), what came out (metrics on the validation split, the artifact's
 * SHA-256, the registered model version), how long it took and where it ran. A run is
 * written when it starts, so a crashed or failed run is visible too.
 */
import { arch, cpus, hostname, platform, release, totalmem } from "node:os";
import { defaultActor } from "../core/actor.js";
import { NotFoundError } from "../core/errors.js";
import { packageVersion } from "../core/version.js";
import type { DatasetLineage } from "../data/dataset-record.js";
import type { DatabaseHandle } from "../db/open.js";
import { fromJson, toJson, toNumber, type RunsTable } from "../db/schema.js";
import { newId } from "../db/ids.js";

export type RunStatus = "running" | "succeeded" | "failed";

export interface RunRecord {
  id: string;
  kind: string;
  status: RunStatus;
  modelName: string;
  family: string;
  params: Record<string, unknown>;
  datasets: DatasetLineage[];
  metrics: Record<string, unknown> | null;
  environment: Record<string, unknown>;
  durationMs: number | null;
  artifactSha256: string | null;
  modelVersion: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  createdBy: string;
}

export function runEnvironment(): Record<string, unknown> {
  return {
    bulwark: packageVersion(),
    node: process.version,
    platform: platform(),
    release: release(),
    arch: arch(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryBytes: totalmem(),
    hostname: hostname(),
  };
}

function toRun(row: RunsTable): RunRecord {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status as RunStatus,
    modelName: row.model_name,
    family: row.family,
    params: fromJson(row.params, {}),
    datasets: fromJson(row.datasets, []),
    metrics: fromJson(row.metrics, null),
    environment: fromJson(row.environment, {}),
    durationMs: toNumber(row.duration_ms),
    artifactSha256: row.artifact_sha256,
    modelVersion: row.model_version,
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    createdBy: row.created_by,
  };
}

export class RunStore {
  private readonly actor: string;

  constructor(
    readonly db: DatabaseHandle,
    options: { actor?: string } = {},
  ) {
    this.actor = options.actor ?? defaultActor();
  }

  async start(input: {
    kind?: string;
    modelName: string;
    family: string;
    params: Record<string, unknown>;
    datasets: DatasetLineage[];
  }): Promise<RunRecord> {
    const row: RunsTable = {
      id: newId("run"),
      kind: input.kind ?? "train",
      status: "running",
      model_name: input.modelName,
      family: input.family,
      params: toJson(input.params),
      datasets: toJson(input.datasets),
      metrics: null,
      environment: toJson(runEnvironment()),
      duration_ms: null,
      artifact_sha256: null,
      model_version: null,
      error: null,
      started_at: new Date().toISOString(),
      finished_at: null,
      created_by: this.actor,
    };
    await this.db.db.insertInto("runs").values(row).execute();
    return toRun(row);
  }

  async succeed(
    id: string,
    result: {
      metrics: Record<string, unknown>;
      durationMs: number;
      artifactSha256: string;
      modelVersion: string;
      datasets?: DatasetLineage[];
    },
  ): Promise<RunRecord> {
    await this.db.db
      .updateTable("runs")
      .set({
        status: "succeeded",
        metrics: toJson(result.metrics),
        duration_ms: Math.round(result.durationMs),
        artifact_sha256: result.artifactSha256,
        model_version: result.modelVersion,
        finished_at: new Date().toISOString(),
        ...(result.datasets ? { datasets: toJson(result.datasets) } : {}),
      })
      .where("id", "=", id)
      .execute();
    return this.get(id);
  }

  async fail(id: string, error: string, durationMs: number): Promise<RunRecord> {
    await this.db.db
      .updateTable("runs")
      .set({
        status: "failed",
        error: error.slice(0, 4000),
        duration_ms: Math.round(durationMs),
        finished_at: new Date().toISOString(),
      })
      .where("id", "=", id)
      .execute();
    return this.get(id);
  }

  async get(id: string): Promise<RunRecord> {
    const row = await this.db.db.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw new NotFoundError(`run ${id}`, { id });
    return toRun(row);
  }

  /** Runs, newest first. */
  async list(options: { model?: string; status?: RunStatus; limit?: number } = {}): Promise<RunRecord[]> {
    let q = this.db.db.selectFrom("runs").selectAll();
    if (options.model) q = q.where("model_name", "=", options.model);
    if (options.status) q = q.where("status", "=", options.status);
    const rows = await q
      .orderBy("started_at", "desc")
      .orderBy("id", "desc")
      .limit(options.limit ?? 50)
      .execute();
    return rows.map(toRun);
  }
}

export interface ValueDiff {
  key: string;
  a: unknown;
  b: unknown;
}

export interface MetricDiff {
  key: string;
  a: number | null;
  b: number | null;
  /** b - a */
  delta: number | null;
}

export interface RunComparison {
  a: RunRecord;
  b: RunRecord;
  /** Parameters that differ (nested keys dotted). */
  params: ValueDiff[];
  /** Every numeric metric of either run. */
  metrics: MetricDiff[];
  datasets: { shared: DatasetLineage[]; onlyA: DatasetLineage[]; onlyB: DatasetLineage[] };
  durationMs: MetricDiff;
}

/** Leaves of a nested object as dotted keys. */
export function flatten(
  value: unknown,
  prefix = "",
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out[prefix] = value;
  return out;
}

function diffNumber(key: string, a: unknown, b: unknown): MetricDiff {
  const x = typeof a === "number" ? a : null;
  const y = typeof b === "number" ? b : null;
  return { key, a: x, b: y, delta: x !== null && y !== null ? y - x : null };
}

export function compareRuns(a: RunRecord, b: RunRecord): RunComparison {
  const pa = flatten(a.params);
  const pb = flatten(b.params);
  const params = [...new Set([...Object.keys(pa), ...Object.keys(pb)])]
    .sort()
    .filter((k) => JSON.stringify(pa[k]) !== JSON.stringify(pb[k]))
    .map((key) => ({ key, a: pa[key], b: pb[key] }));
  // The overall validation figures; per-source breakdowns are for `runs show`.
  const ma = flatten(a.metrics?.validation ?? a.metrics ?? {});
  const mb = flatten(b.metrics?.validation ?? b.metrics ?? {});
  const metrics = [...new Set([...Object.keys(ma), ...Object.keys(mb)])]
    .filter((k) => !/^(bySource|byCategory|byLanguage)\./.test(k))
    .filter((k) => typeof ma[k] === "number" || typeof mb[k] === "number")
    .sort()
    .map((k) => diffNumber(k, ma[k], mb[k]));
  const key = (d: DatasetLineage) => `${d.id ?? d.name}:${d.sha256}`;
  const ka = new Set(a.datasets.map(key));
  const kb = new Set(b.datasets.map(key));
  return {
    a,
    b,
    params,
    metrics,
    datasets: {
      shared: a.datasets.filter((d) => kb.has(key(d))),
      onlyA: a.datasets.filter((d) => !kb.has(key(d))),
      onlyB: b.datasets.filter((d) => !ka.has(key(d))),
    },
    durationMs: diffNumber("durationMs", a.durationMs, b.durationMs),
  };
}
