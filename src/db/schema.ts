/**
 * The metadata database's tables as TypeScript types, one interface per table. Columns
 * are chosen to mean the same on SQLite and PostgreSQL: JSON is TEXT (parse with
 * `fromJson`), timestamps are ISO-8601 TEXT (which sorts by time), booleans are 0/1
 * integers, and ids are TEXT made by `newId` (no autoincrement, which differs by dialect).
 *
 * Another migration adding tables adds its interfaces here and its entries to `Database`.
 */
import type { AuthTables } from "./schema-auth.js";

/** A stored dataset version (training-data/{name}/v{version}.jsonl in the object store). */
export interface DatasetsTable {
  id: string;
  name: string;
  version: number;
  /** "pending" while its object is being written, "ready" once readable. */
  status: string;
  data_key: string;
  manifest_key: string;
  sha256: string | null;
  size_bytes: number | string | null;
  rows: number;
  skipped_rows: number;
  /** JSON: {label, category, lang, source} -> value -> count. */
  counts: string;
  /** JSON: where the rows came from (files, URL, s3://, merge inputs). */
  origin: string;
  /** JSON: free-form facts, e.g. an imported envelope's metadata or a merge's dedup report. */
  metadata: string;
  /** JSON: the privacy block (data/privacy.ts); null before migration 013 ("unknown"). */
  privacy: string | null;
  created_at: string;
  created_by: string;
}

/** One training (or other) run: what went in, what came out, how long it took. */
export interface RunsTable {
  id: string;
  kind: string;
  /** "running", "succeeded" or "failed". */
  status: string;
  model_name: string;
  family: string;
  /** JSON: the effective parameters. */
  params: string;
  /** JSON: [{id, name, version, sha256, rows}] of every input dataset. */
  datasets: string;
  /** JSON or null until the run ends. */
  metrics: string | null;
  /** JSON: node, platform, cpus, hostname, bulwark version. */
  environment: string;
  duration_ms: number | null;
  artifact_sha256: string | null;
  model_version: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  created_by: string;
}

/** A model version in the registry; the artifact lives at models/{name}/{version}/. */
export interface ModelVersionsTable {
  id: string;
  name: string;
  version: string;
  /** Numeric parts of the version, for ordering in SQL. */
  major: number;
  minor: number;
  patch: number;
  /** The trainer family ("builtin", later "transformer"...). */
  family: string;
  /** The artifact format, which names the loader ("bulwark-builtin/1"...). */
  format: string;
  /** "pending" while the artifact is being written, "ready" once registered. */
  status: string;
  /** "none", "staging", "production" or "archived"; at most one production per name. */
  stage: string;
  artifact_key: string;
  manifest_key: string;
  sha256: string | null;
  size_bytes: number | string | null;
  /** The object store's version id of the artifact as written. */
  artifact_version_id: string | null;
  /**
   * JSON: the files a multi-file format owns beside the artifact, each as written
   * ([{file, key, sha256, size, versionId}]); null for a version of one file.
   */
  companions: string | null;
  parent_version: string | null;
  run_id: string | null;
  /** JSON: [{id, name, version, sha256, rows}]. */
  datasets: string;
  /** JSON */
  params: string;
  /** JSON */
  metrics: string;
  description: string | null;
  created_at: string;
  created_by: string;
  stage_changed_at: string | null;
  stage_changed_by: string | null;
  /** 1 when data it was trained on was erased (migration 011): it must be trained again without it. */
  retrain_required: number;
  /** Why, e.g. the erasure receipt that found its lineage held a subject's rows. */
  retrain_reason: string | null;
}

/** Every stage change, so "who promoted it and when" and rollbacks have a history to read. */
export interface ModelStageEventsTable {
  id: string;
  model_name: string;
  version: string;
  from_stage: string;
  to_stage: string;
  /** "promote", "rollback", "archive", "demote". */
  action: string;
  actor: string;
  reason: string | null;
  at: string;
  /** Registry snapshot written for a production change, and whether it is under Object Lock. */
  snapshot_key: string | null;
  snapshot_locked: number | null;
}

/** A canary token placed in a system prompt: its hash (never the token), who made it, its leaks. */
export interface CanariesTable {
  id: string;
  /** Hex SHA-256 of the token. */
  token_hash: string;
  /** "bw-canary-" and the first four random characters, to recognise it in listings. */
  prefix: string;
  label: string | null;
  /** The actor that made it: "key:chat-frontend", "user:alice", "cli:ops". */
  created_by: string;
  /** The API key or user id that made it, when made over the API. */
  principal_id: string | null;
  created_at: string;
  /** Leaks seen by /v1/detect/output. */
  leak_count: number;
  last_leak_at: string | null;
}

/** A user's report that a verdict was wrong, with the text it was about (src/feedback/). */
export interface FeedbackTable {
  id: string;
  /** The request id the verdict was answered with. */
  request_id: string;
  /** The API key or user id that filed it ("key_...", "usr_..."), or the CLI actor. */
  reporter: string;
  /** How the reporter appears: "key:chat-frontend", "user:alice", "cli:alice". */
  reporter_name: string;
  /** 0: benign but flagged; 1: an attack that was missed. */
  label: number;
  category: string | null;
  text: string;
  /** Hex SHA-256 of the text's UTF-8 bytes; unique per reporter and label. */
  text_sha256: string;
  /** In UTF-16 code units. */
  text_length: number;
  note: string | null;
  /** "pending", "accepted" or "rejected". */
  status: string;
  reviewer: string | null;
  review_note: string | null;
  reviewed_at: string | null;
  /** The learning cycle or run that trained on it. */
  used_by: string | null;
  created_at: string;
  /** The end user the report is about, as a keyed hash (app.privacy.subject), never the id (migration 011). */
  subject: string | null;
}

/** One learning cycle: champion, challenger, the decision and the figures behind it (see learn/cycles.ts). */
export interface LearnCyclesTable {
  id: string;
  model_name: string;
  /** "running", "succeeded" (a decision was made) or "failed". */
  status: string;
  champion: string | null;
  champion_sha256: string | null;
  challenger: string | null;
  challenger_sha256: string | null;
  /** "promoted" or "rejected"; null until decided. */
  decision: string | null;
  reason: string | null;
  /** JSON: the promotion rule applied. */
  rule: string;
  /** JSON: {champion, challenger, checks}. */
  figures: string | null;
  /** JSON: the campaign run against the champion. */
  campaign: string | null;
  /** JSON: the files written and what went into them. */
  data: string | null;
  /** JSON: milliseconds per phase. */
  timings: string | null;
  /** JSON: what the cycle was asked (cases, seed, trigger). */
  options: string;
  error: string | null;
  /** The cron tick of a scheduled cycle (unique), null for one started by hand. */
  scheduled_for: string | null;
  job_id: string | null;
  started_at: string;
  finished_at: string | null;
  created_by: string;
}

/**
 * One screened text (migration 010). `subject` is the end user's keyed hash, never the id;
 * `text` is null, redacted or whole as `text_mode` says; `pii` counts what redaction found
 * by kind (JSON), so analytics can say how much personal data arrives without keeping it.
 */
export interface DetectionEventsTable {
  id: string;
  at: string;
  /** The API key or user that asked ("key_...", "usr_..."). */
  actor: string;
  subject: string | null;
  /** "detect", "batch" or "scan". */
  route: string;
  request_id: string;
  flagged: number;
  score: number;
  category: string | null;
  /** JSON: the evidence ids of the verdict. */
  evidence: string;
  /** "name@version" of the model that answered. */
  model: string;
  latency_ms: number;
  text_length: number;
  /** "none", "redacted" or "full". */
  text_mode: string;
  text: string | null;
  /** JSON: {type: count} of the personal data found in the text. */
  pii: string;
  /**
   * ISO 639 code of the text's language (fastText lid.176); null when unknown, too short or
   * not identified. Optional on insert: rows written before it existed read as null.
   */
  lang?: string | null;
}

/**
 * Detection events summed per UTC hour and day (migration 014, src/analytics/events/rollups.ts):
 * `dimension` is all, route, category, model, key or evidence; `value` the dimension's
 * value ('' for all, 'none' for a verdict without category).
 */
export interface EventRollupsTable {
  /** "hour" or "day". */
  grain: string;
  dimension: string;
  /** `2026-12-02T01` (hour) or `2026-12-02` (day): the first characters of the events' ISO times. */
  period: string;
  value: string;
  requests: number | string;
  flagged: number | string;
}

/** Latency histograms per UTC hour and day and dimension value (all, route, model), in analytics/events/latency-bins.ts's bins. */
export interface EventLatencyRollupsTable {
  grain: string;
  dimension: string;
  period: string;
  value: string;
  bin: number;
  n: number | string;
}

/** The shadow model every replica runs beside production (migration 016): one row, id "shadow". */
export interface ShadowConfigTable {
  id: string;
  model: string;
  version: string;
  /** Share of screened texts scored by the shadow model, 0 to 1. */
  sample: number;
  updated_at: string;
  updated_by: string;
}

/**
 * One sampled text scored by the shadow model beside the production verdict (migration 016).
 * `subject` is the end user's keyed hash; `text` is kept only when the two disagree, as
 * `text_mode` says (none, redacted or full, the events' mode).
 */
export interface ShadowResultsTable {
  id: string;
  at: string;
  request_id: string;
  actor: string;
  subject: string | null;
  /** "detect", "batch" or "scan". */
  route: string;
  text_length: number;
  /** "name@version". */
  production_model: string;
  production_flagged: number;
  production_score: number;
  production_category: string | null;
  shadow_model: string;
  shadow_flagged: number;
  shadow_score: number;
  shadow_category: string | null;
  shadow_latency_ms: number;
  text_mode: string;
  text: string | null;
}

export interface Database extends AuthTables {
  detection_events: DetectionEventsTable;
  event_rollups: EventRollupsTable;
  event_latency_rollups: EventLatencyRollupsTable;
  shadow_config: ShadowConfigTable;
  shadow_results: ShadowResultsTable;
  canaries: CanariesTable;
  feedback: FeedbackTable;
  learn_cycles: LearnCyclesTable;
  datasets: DatasetsTable;
  runs: RunsTable;
  model_versions: ModelVersionsTable;
  model_stage_events: ModelStageEventsTable;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === "") return fallback;
  return JSON.parse(text) as T;
}

/** PostgreSQL returns BIGINT as a string; both dialects become a number here. */
export function toNumber(value: number | string | bigint | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  return Number(value);
}
