/**
 * The configured database and store opened for the backup commands. A restore opens the
 * database without migrating it: a fresh target must stay empty until the restore
 * migrates it to the backup's own schema (src/backup/restore.ts).
 */
import { HashChainAuditLog } from "../audit/chain.js";
import { loadConfig, type BulwarkConfig } from "../core/config.js";
import { openDatabase, type DatabaseHandle } from "../db/open.js";
import { prepareDefaultBucket } from "../storage/default-bucket.js";
import { createObjectStore } from "../storage/index.js";
import type { ObjectStore } from "../storage/types.js";
import { preparePrivateHome } from "./home.js";
import { loadServiceSettings, type ServiceSettings } from "./settings.js";

export interface BackupTarget {
  config: BulwarkConfig;
  settings: ServiceSettings;
  store: ObjectStore;
  /** Opened on first use (listing and verifying need no database). */
  db(): Promise<DatabaseHandle>;
  /** The audit trail of the database, once it is open. */
  audit(): Promise<HashChainAuditLog>;
}

export async function withBackupTarget<T>(
  options: { migrate: boolean; env?: Record<string, string | undefined> },
  fn: (target: BackupTarget) => Promise<T>,
): Promise<T> {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  const settings = loadServiceSettings(env);
  const warning = preparePrivateHome(config);
  if (warning) process.emitWarning(warning, "BulwarkSecurityWarning");
  const store = createObjectStore(config.storage, { env });
  let db: Promise<DatabaseHandle> | undefined;
  let audit: HashChainAuditLog | undefined;
  const openDb = () => (db ??= openDatabase(config, { migrate: options.migrate }));
  try {
    const lockWarning = await prepareDefaultBucket(store);
    if (lockWarning) process.emitWarning(lockWarning, "BulwarkSecurityWarning");
    return await fn({
      config,
      settings,
      store,
      db: openDb,
      audit: async () => (audit ??= new HashChainAuditLog(await openDb())),
    });
  } finally {
    await audit?.flush();
    await store.close();
    if (db) await (await db.catch(() => undefined))?.close();
  }
}
