/**
 * Which tables a backup holds, in the order a restore inserts them, and which it leaves
 * out and why. The list is checked against the migrated schema by
 * test/backup/tables.test.ts: a migration that adds a table fails that test until the
 * table is named here, so no new table is silently missing from backups.
 *
 * No table has a foreign key today; the order still puts what others refer to first
 * (users and keys before the audit trail and jobs, model versions before their stage
 * events) so a foreign key added later keeps working.
 */
import { sql, type Kysely } from "kysely";
import type { Dialect } from "../db/open.js";

/** A database whose tables are named at run time, from the schema itself. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDb = Kysely<any>;

export const BACKED_UP_TABLES = [
  // Who may do what: the JWT signing key and the privacy key live in service_secrets, so
  // tokens, API keys and subject hashes stay valid after a restore.
  "service_secrets",
  "users",
  "api_keys",
  "audit_log",
  "jobs",
  "job_logs",
  "datasets",
  "runs",
  "model_versions",
  "model_stage_events",
  "canaries",
  "feedback",
  "learn_cycles",
  "detection_events",
  "event_rollups",
  "event_latency_rollups",
  "shadow_config",
  "shadow_results",
] as const;

export type BackedUpTable = (typeof BACKED_UP_TABLES)[number];

/** Tables that exist in the database but are not data: with the reason they are left out. */
export const EXCLUDED_TABLES: Record<string, string> = {
  kysely_migration:
    "migration bookkeeping: the manifest records the applied migrations and restore migrates the target itself",
  kysely_migration_lock: "a lock row used while migrations run, meaningless in another database",
};

/** The user tables that exist in the database, sorted by name. */
export async function databaseTables(db: AnyDb, dialect: Dialect): Promise<string[]> {
  const rows =
    dialect === "postgres"
      ? await sql<{ name: string }>`
          select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
      : await sql<{ name: string }>`
          select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db);
  return rows.rows.map((r) => r.name).sort();
}

/** What a column holds, as far as a dump needs to know. */
export type ColumnKind = "integer" | "real" | "text" | "boolean" | "bytes" | "json" | "timestamp";

export interface ColumnInfo {
  name: string;
  kind: ColumnKind;
}

export interface TableInfo {
  name: string;
  /** In the table's own order (the order of CREATE and ALTER ... ADD COLUMN). */
  columns: ColumnInfo[];
  /** Primary key columns, in key order; empty when the table has none. */
  key: string[];
}

function kindOf(declared: string): ColumnKind {
  const t = declared.toLowerCase();
  if (t.includes("int")) return "integer";
  if (t.includes("double") || t.includes("real") || t.includes("float") || t.includes("numeric"))
    return "real";
  if (t.includes("bool")) return "boolean";
  if (t.includes("bytea") || t.includes("blob")) return "bytes";
  if (t.includes("json")) return "json";
  if (t.includes("timestamp") || t === "date") return "timestamp";
  return "text";
}

export async function tableInfo(db: AnyDb, dialect: Dialect, table: string): Promise<TableInfo> {
  if (dialect === "sqlite") {
    const rows = await sql<{ name: string; type: string; pk: number }>`
      select name, type, pk from pragma_table_info(${table}) order by cid`.execute(db);
    return {
      name: table,
      columns: rows.rows.map((r) => ({ name: r.name, kind: kindOf(r.type) })),
      key: rows.rows
        .filter((r) => r.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((r) => r.name),
    };
  }
  const cols = await sql<{ name: string; type: string }>`
    select column_name as name, data_type as type from information_schema.columns
    where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(db);
  const key = await sql<{ name: string }>`
    select a.attname as name
    from pg_index i
    join lateral unnest(i.indkey) with ordinality as k(attnum, n) on true
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
    where i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident(${table}))::regclass
      and i.indisprimary
    order by k.n`.execute(db);
  return {
    name: table,
    columns: cols.rows.map((r) => ({ name: r.name, kind: kindOf(r.type) })),
    key: key.rows.map((r) => r.name),
  };
}
