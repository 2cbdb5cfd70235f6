/**
 * Datasets, runs, model versions and their stage history. Portable DDL only: TEXT ids,
 * TEXT JSON, ISO TEXT timestamps, integers for flags, so it runs on SQLite and PostgreSQL.
 */
import { sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not today's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("datasets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("data_key", "text", (c) => c.notNull())
    .addColumn("manifest_key", "text", (c) => c.notNull())
    .addColumn("sha256", "text")
    .addColumn("size_bytes", "bigint")
    .addColumn("rows", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("skipped_rows", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("counts", "text", (c) => c.notNull())
    .addColumn("origin", "text", (c) => c.notNull())
    .addColumn("metadata", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addUniqueConstraint("datasets_name_version", ["name", "version"])
    .execute();
  await db.schema.createIndex("datasets_sha256").on("datasets").column("sha256").execute();

  await db.schema
    .createTable("runs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("model_name", "text", (c) => c.notNull())
    .addColumn("family", "text", (c) => c.notNull())
    .addColumn("params", "text", (c) => c.notNull())
    .addColumn("datasets", "text", (c) => c.notNull())
    .addColumn("metrics", "text")
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("duration_ms", "bigint")
    .addColumn("artifact_sha256", "text")
    .addColumn("model_version", "text")
    .addColumn("error", "text")
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("runs_model_started")
    .on("runs")
    .columns(["model_name", "started_at"])
    .execute();

  await db.schema
    .createTable("model_versions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("major", "integer", (c) => c.notNull())
    .addColumn("minor", "integer", (c) => c.notNull())
    .addColumn("patch", "integer", (c) => c.notNull())
    .addColumn("family", "text", (c) => c.notNull())
    .addColumn("format", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("stage", "text", (c) => c.notNull().defaultTo("none"))
    .addColumn("artifact_key", "text", (c) => c.notNull())
    .addColumn("manifest_key", "text", (c) => c.notNull())
    .addColumn("sha256", "text")
    .addColumn("size_bytes", "bigint")
    .addColumn("artifact_version_id", "text")
    .addColumn("parent_version", "text")
    .addColumn("run_id", "text")
    .addColumn("datasets", "text", (c) => c.notNull())
    .addColumn("params", "text", (c) => c.notNull())
    .addColumn("metrics", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("stage_changed_at", "text")
    .addColumn("stage_changed_by", "text")
    .addUniqueConstraint("model_versions_name_version", ["name", "version"])
    .execute();
  // The database itself guarantees one production version per model name, whatever
  // the application does: a partial unique index (SQLite and PostgreSQL both have them).
  await db.schema
    .createIndex("model_versions_one_production")
    .on("model_versions")
    .column("name")
    .unique()
    .where(sql.ref("stage"), "=", "production")
    .execute();

  await db.schema
    .createTable("model_stage_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("model_name", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("from_stage", "text", (c) => c.notNull())
    .addColumn("to_stage", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("snapshot_key", "text")
    .addColumn("snapshot_locked", "integer")
    .execute();
  await db.schema
    .createIndex("model_stage_events_model_at")
    .on("model_stage_events")
    .columns(["model_name", "at"])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("model_stage_events").execute();
  await db.schema.dropTable("model_versions").execute();
  await db.schema.dropTable("runs").execute();
  await db.schema.dropTable("datasets").execute();
}
