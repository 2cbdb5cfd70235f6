/**
 * Tables of the service (issue 6): users, API keys, service secrets, the hash-chained
 * audit log, jobs and their logs. Timestamps are ISO-8601 text and
 * flags are 0/1 integers, so rows read the same on SQLite and PostgreSQL.
 */

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  disabled: number;
  created_by: string;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  /** Bumped when the password changes or the user is disabled: older tokens are refused. */
  token_generation: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  /** The first characters of the key (`bwk_` + 8), to recognise it in listings. */
  prefix: string;
  /** Hex SHA-256 of the whole key; the key itself is never stored. */
  key_hash: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  /** The key's own rate limit (requests per rate_window), or NULL for the service's default. */
  rate_limit: number | null;
  /** second, minute, hour or day. */
  rate_window: string | null;
  /** Requests per UTC day, or NULL for none. */
  daily_quota: number | null;
  /** SHA-256 of the secret before the last rotation, accepted until previous_valid_until. */
  previous_key_hash: string | null;
  previous_valid_until: string | null;
  rotated_at: string | null;
}

/** Secrets the service generates for itself (the JWT signing key), shared by every process. */
export interface ServiceSecretsTable {
  name: string;
  value: string;
  created_at: string;
}

export interface AuditLogTable {
  /** 1, 2, 3... with no gaps: a gap is a removed entry. */
  seq: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  /** JSON text exactly as hashed. */
  details: string | null;
  prev_hash: string;
  hash: string;
}

export interface JobsTable {
  id: string;
  type: string;
  status: string;
  /** JSON text. */
  payload: string;
  result: string | null;
  error: string | null;
  progress: number;
  progress_message: string | null;
  attempts: number;
  max_attempts: number;
  created_by: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  heartbeat_at: string | null;
  /** host:pid of the process running it. */
  worker: string | null;
  backend: string;
  cancel_requested: number;
}

export interface JobLogsTable {
  job_id: string;
  seq: number;
  ts: string;
  level: string;
  message: string;
}

export interface AuthTables {
  users: UsersTable;
  api_keys: ApiKeysTable;
  service_secrets: ServiceSecretsTable;
  audit_log: AuditLogTable;
  jobs: JobsTable;
  job_logs: JobLogsTable;
}
