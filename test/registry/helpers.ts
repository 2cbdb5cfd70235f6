/**
 * A registry over a real database (SQLite file or a fresh PostgreSQL database) and a real
 * object store (the local-disk backend in a temporary folder), plus what tests need to
 * tamper with an artifact the way an attacker with disk access would.
 */
import { chmodSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryAuditSink } from "../../src/audit/sink.js";
import { DatasetCatalog } from "../../src/data/datasets.js";
import type { DatabaseHandle } from "../../src/db/open.js";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import type { ObjectStore } from "../../src/storage/types.js";
import { ModelRegistry, type ModelVersion } from "../../src/registry/registry.js";
import { registerModelFormat } from "../../src/registry/model-formats.js";
import { IntegrityError } from "../../src/core/errors.js";
import { RunStore } from "../../src/train/runs.js";
import { tempDir } from "../helpers/tmp.js";

export const TEST_FORMAT = "test-bytes/1";

/** A second model family, to show the registry holds any format by name. */
registerModelFormat<Buffer>({
  format: TEST_FORMAT,
  family: "test",
  fileName: "model.bin",
  contentType: "application/octet-stream",
  load: (bytes, source) => {
    if (!bytes.subarray(0, 4).equals(Buffer.from("TEST")))
      throw new IntegrityError(`${source} is not a test model`);
    return bytes;
  },
});

export function testArtifact(label: string): Buffer {
  return Buffer.concat([Buffer.from("TEST"), Buffer.from(label.padEnd(4096, "."))]);
}

export const PAIR_FORMAT = "test-pair/1";

/** What the two-file test format loads: weights and the tokenizer that goes with them. */
export interface PairModel {
  weights: Buffer;
  tokenizer: { label: string; vocab: string[] };
}

/** A format that owns two files, as a transformer does (weights plus tokenizer.json). */
registerModelFormat<PairModel>({
  format: PAIR_FORMAT,
  family: "test",
  fileName: "weights.bin",
  contentType: "application/octet-stream",
  companions: [{ fileName: "tokenizer.json", contentType: "application/json" }],
  load: (weights, source, companions) => {
    const tokenizer = companions["tokenizer.json"];
    if (!tokenizer) throw new IntegrityError(`${source} has no tokenizer.json`);
    return { weights, tokenizer: JSON.parse(tokenizer.toString()) as PairModel["tokenizer"] };
  },
});

/** The two files of a test-pair model. */
export function pairFiles(label: string): { artifact: Buffer; companions: Record<string, Buffer> } {
  const tokenizer = { label, vocab: ["ignore", "previous", "instructions", label] };
  return {
    artifact: testArtifact(label),
    companions: { "tokenizer.json": Buffer.from(JSON.stringify(tokenizer, null, 2)) },
  };
}

export interface TestRegistry {
  db: DatabaseHandle;
  store: FsObjectStore;
  root: string;
  bucket: string;
  registry: ModelRegistry;
  catalog: DatasetCatalog;
  runs: RunStore;
  audit: MemoryAuditSink;
}

export function fsStore(options: { objectLock?: boolean } = {}): {
  store: FsObjectStore;
  root: string;
  bucket: string;
} {
  const root = join(tempDir("bulwark-store-"), "objects");
  const bucket = "bulwark";
  return {
    store: new FsObjectStore({
      root,
      bucket,
      objectLock: options.objectLock ?? false,
      publicUrl: "http://127.0.0.1:1",
    }),
    root,
    bucket,
  };
}

export async function testRegistry(
  db: DatabaseHandle,
  options: { objectLock?: boolean; store?: { store: FsObjectStore; root: string; bucket: string } } = {},
): Promise<TestRegistry> {
  const s = options.store ?? fsStore(options);
  if (options.objectLock) await s.store.init({ objectLock: true });
  const audit = new MemoryAuditSink();
  return {
    db,
    ...s,
    audit,
    registry: new ModelRegistry(db, s.store, {
      actor: "test:alice",
      audit,
      snapshotRetention: { mode: "GOVERNANCE", days: 1 },
    }),
    catalog: new DatasetCatalog(db, s.store, { actor: "test:alice", audit }),
    runs: new RunStore(db, { actor: "test:alice" }),
  };
}

/** The file holding an object's latest version on the local-disk backend. */
export async function dataFileOf(
  store: ObjectStore,
  root: string,
  bucket: string,
  key: string,
): Promise<string> {
  const info = await store.head(key);
  return join(root, bucket, ...key.split("/"), ".v", `${info.versionId}.data`);
}

/** Rewrites an artifact's bytes (or another file's, by key) on disk behind the store's back. */
export async function tamper(
  t: TestRegistry,
  v: ModelVersion,
  how: "flip" | "truncate",
  key = v.artifactKey,
): Promise<void> {
  const file = await dataFileOf(t.store, t.root, t.bucket, key);
  const bytes = readFileSync(file);
  chmodSync(file, 0o644);
  if (how === "truncate") writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  else {
    const copy = Buffer.from(bytes);
    const i = copy.length - 10;
    copy[i] = copy[i]! ^ 0xff;
    writeFileSync(file, copy);
  }
}
