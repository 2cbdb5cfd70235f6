/**
 * A workspace: the catalogues (datasets, model registry, training runs, learning cycles) over one
 * metadata database and object store, acting as one actor whose name goes into the audit
 * trail. Commands open their own from configuration; a server or worker shares its open
 * `db` and `store`, so opening one per request costs nothing.
 */
import { defaultActor } from "../core/actor.js";
import { type AuditSink } from "../audit/sink.js";
import type { BulwarkConfig } from "../core/config.js";
import { DatasetCatalog } from "../data/datasets.js";
import { CycleStore } from "../learn/cycles.js";
import { openDatabase, type DatabaseHandle } from "../db/open.js";
import { prepareDefaultBucket } from "../storage/default-bucket.js";
import { createObjectStore } from "../storage/index.js";
import type { ObjectStore } from "../storage/types.js";
import { RunStore } from "../train/runs.js";
import { snapshotRetention } from "./registry-settings.js";
import { ModelRegistry } from "../registry/registry.js";

export interface Workspace {
  config: BulwarkConfig;
  db: DatabaseHandle;
  store: ObjectStore;
  catalog: DatasetCatalog;
  registry: ModelRegistry;
  runs: RunStore;
  cycles: CycleStore;
  actor: string;
  close(): Promise<void>;
}

export async function openWorkspace(
  config: BulwarkConfig,
  options: {
    actor?: string;
    audit?: AuditSink;
    /** Use these instead of opening new ones (a server shares its own); they stay open on close(). */
    store?: ObjectStore;
    db?: DatabaseHandle;
  } = {},
): Promise<Workspace> {
  const actor = options.actor ?? defaultActor();
  const store = options.store ?? createObjectStore(config.storage);
  if (!options.store) {
    const warning = await prepareDefaultBucket(store);
    if (warning) process.emitWarning(warning, "BulwarkSecurityWarning");
  }
  let db: DatabaseHandle;
  try {
    db = options.db ?? (await openDatabase(config));
  } catch (err) {
    if (!options.store) await store.close();
    throw err;
  }
  const audit = options.audit;
  return {
    config,
    db,
    store,
    actor,
    catalog: new DatasetCatalog(db, store, {
      actor,
      ...(audit ? { audit } : {}),
      maxLineBytes: config.data.maxLineBytes,
    }),
    registry: new ModelRegistry(db, store, {
      actor,
      ...(audit ? { audit } : {}),
      snapshotRetention: snapshotRetention(config),
    }),
    runs: new RunStore(db, { actor }),
    cycles: new CycleStore(db, { actor }),
    async close() {
      if (!options.db) await db.close();
      if (!options.store) await store.close();
    },
  };
}

/** Opens a workspace, runs `fn`, and closes it whatever happens. */
export async function withWorkspace<T>(
  config: BulwarkConfig,
  fn: (ctx: Workspace) => Promise<T>,
  options: { actor?: string; audit?: AuditSink } = {},
): Promise<T> {
  const ctx = await openWorkspace(config, options);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
