/**
 * What the retention tests share: rows inserted straight into the tables (the event writer
 * is another part's), the stores they run against (a local bucket, and an Object-Lock bucket
 * on the real S3 server when one is reachable), and a reader of every stored version.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { newId } from "../../src/db/ids.js";
import type { DatabaseHandle } from "../../src/db/open.js";
import type { DetectionEventsTable, ModelVersionsTable } from "../../src/db/schema.js";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import type { ObjectStore } from "../../src/storage/types.js";
import { findTestS3, lockedTestBucket } from "../storage/s3-env.js";
import { tempDir } from "../helpers/tmp.js";

/** Empties the tables a test fills (a database serves the test of each store in turn). */
export async function clearTables(db: DatabaseHandle): Promise<void> {
  for (const table of [
    "detection_events",
    "shadow_results",
    "feedback",
    "model_versions",
    "datasets",
  ] as const)
    await db.db.deleteFrom(table).execute();
}

export async function insertEvent(
  db: DatabaseHandle,
  o: { at: Date; subject: string | null; text?: string },
): Promise<string> {
  const row: DetectionEventsTable = {
    id: newId("ev"),
    at: o.at.toISOString(),
    actor: "key_test",
    subject: o.subject,
    route: "detect",
    request_id: `req-${randomBytes(4).toString("hex")}`,
    flagged: 0,
    score: 0.1,
    category: null,
    evidence: "[]",
    model: "builtin@1.0.0",
    latency_ms: 1,
    text_length: (o.text ?? "hello").length,
    text_mode: "redacted",
    text: o.text ?? "hello",
    pii: "{}",
  };
  await db.db.insertInto("detection_events").values(row).execute();
  return row.id;
}

/** A shadow model comparison (migration 016) at `at`, for the end user `subject` (a hash). */
export async function insertShadow(
  db: DatabaseHandle,
  o: { at: Date; subject: string | null },
): Promise<string> {
  const id = newId("shd");
  await db.db
    .insertInto("shadow_results")
    .values({
      id,
      at: o.at.toISOString(),
      request_id: `req-${randomBytes(4).toString("hex")}`,
      actor: "key_test",
      subject: o.subject,
      route: "detect",
      text_length: 5,
      production_model: "builtin@1.0.0",
      production_flagged: 0,
      production_score: 0.1,
      production_category: null,
      shadow_model: "challenger@1.0.0",
      shadow_flagged: 1,
      shadow_score: 0.9,
      shadow_category: "prompt_injection",
      shadow_latency_ms: 0.2,
      text_mode: "redacted",
      text: "hello",
    })
    .execute();
  return id;
}

export async function insertFeedback(
  db: DatabaseHandle,
  o: { createdAt: Date; subject: string | null; text?: string },
): Promise<string> {
  const id = newId("fb");
  await db.db
    .insertInto("feedback")
    .values({
      id,
      request_id: "req-1",
      reporter: `key_${randomBytes(4).toString("hex")}`,
      reporter_name: "key:test",
      label: 0,
      category: null,
      text: o.text ?? "a benign text",
      text_sha256: randomBytes(32).toString("hex"),
      text_length: 13,
      note: null,
      status: "pending",
      reviewer: null,
      review_note: null,
      reviewed_at: null,
      used_by: null,
      created_at: o.createdAt.toISOString(),
      subject: o.subject,
    })
    .execute();
  return id;
}

/** A registered-looking model version whose lineage is `datasets`. */
export async function insertModel(db: DatabaseHandle, version: string, datasets: unknown[]): Promise<void> {
  const [major, minor, patch] = version.split(".").map(Number) as [number, number, number];
  const row: ModelVersionsTable = {
    id: newId("mv"),
    name: "retain",
    version,
    major,
    minor,
    patch,
    family: "builtin",
    format: "bulwark-builtin/1",
    status: "ready",
    stage: "none",
    artifact_key: `models/retain/${version}/model.json`,
    manifest_key: `models/retain/${version}/manifest.json`,
    sha256: "0".repeat(64),
    size_bytes: 1,
    artifact_version_id: null,
    companions: null,
    parent_version: null,
    run_id: null,
    datasets: JSON.stringify(datasets),
    params: "{}",
    metrics: "{}",
    description: null,
    created_at: new Date().toISOString(),
    created_by: "test",
    stage_changed_at: null,
    stage_changed_by: null,
    retrain_required: 0,
    retrain_reason: null,
  };
  await db.db.insertInto("model_versions").values(row).execute();
}

export interface TestStore {
  kind: "fs" | "s3";
  open(): Promise<ObjectStore>;
}

/** A local bucket always; an Object-Lock bucket on the S3 server when reachable (else a loud skip). */
export async function testStores(): Promise<TestStore[]> {
  const out: TestStore[] = [
    {
      kind: "fs",
      open: async () => {
        const store = new FsObjectStore({
          root: join(tempDir("bulwark-retention-"), "objects"),
          bucket: "retention",
          objectLock: true,
        });
        await store.init({ objectLock: true });
        return store;
      },
    },
  ];
  const s3 = await findTestS3();
  if (s3) {
    out.push({
      kind: "s3",
      open: async () => {
        const store = await lockedTestBucket(s3, "bw-retention");
        return store;
      },
    });
  } else {
    const message =
      "no S3 server reachable (bash scripts/services/ensure.sh, or set BULWARK_TEST_S3_ENDPOINT)";
    if (process.env.BULWARK_REQUIRE_SERVICES === "1")
      test("S3 server is required for retention on S3", () => assert.fail(message));
    else {
      console.warn(`\n*** SKIPPING retention-on-S3 tests: ${message} ***\n`);
      test("retention and erasure on S3", { skip: message }, () => undefined);
    }
  }
  return out;
}

/** Every stored version's text under a prefix, by key and version id. */
export async function everyVersion(store: ObjectStore, prefix = "") {
  const out: { key: string; versionId: string; text: string }[] = [];
  for await (const v of store.listAllVersions(prefix)) {
    if (v.isDeleteMarker) continue;
    out.push({
      key: v.key,
      versionId: v.versionId,
      text: (await store.getBuffer(v.key, { versionId: v.versionId })).toString("utf8"),
    });
  }
  return out;
}
