/**
 * Everything the dataset, run and model commands work with, opened from configuration:
 * the metadata database (migrated), the object store, and the three catalogues over them.
 * A server passes its own open `db` and `store` to share them.
 */
import { defaultActor, type AuditSink } from "../core/audit.js";
import type { BulwarkConfig } from "../core/config.js";
import { DatasetCatalog } from "../data/datasets.js";
import { openDatabase, type DatabaseHandle } from "../db/open.js";
import { createObjectStore } from "../storage/index.js";
import type { ObjectStore } from "../storage/types.js";
import { RunStore } from "../train/runs.js";
import { snapshotRetention } from "./config.js";
import { ModelRegistry } from "./registry.js";

export interface RegistryContext {
  config: BulwarkConfig;
  db: DatabaseHandle;
  store: ObjectStore;
  catalog: DatasetCatalog;
  registry: ModelRegistry;
  runs: RunStore;
  actor: string;
  close(): Promise<void>;
}

export async function openRegistryContext(
  config: BulwarkConfig,
  options: {
    actor?: string;
    audit?: AuditSink;
    /** Use these instead of opening new ones (a server shares its own); they stay open on close(). */
    store?: ObjectStore;
    db?: DatabaseHandle;
  } = {},
): Promise<RegistryContext> {
  const actor = options.actor ?? defaultActor();
  const store = options.store ?? createObjectStore(config.storage);
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
    catalog: new DatasetCatalog(db, store, { actor, ...(audit ? { audit } : {}) }),
    registry: new ModelRegistry(db, store, {
      actor,
      ...(audit ? { audit } : {}),
      snapshotRetention: snapshotRetention(config),
    }),
    runs: new RunStore(db, { actor }),
    async close() {
      if (!options.db) await db.close();
      if (!options.store) await store.close();
    },
  };
}

/** Opens a context, runs `fn`, and closes the context whatever happens. */
export async function withRegistry<T>(
  config: BulwarkConfig,
  fn: (ctx: RegistryContext) => Promise<T>,
  options: { actor?: string; audit?: AuditSink } = {},
): Promise<T> {
  const ctx = await openRegistryContext(config, options);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
