/**
 * Direct administration for the command line: the configured database and store opened
 * without the HTTP server, so scripts can provision users and keys, verify the audit
 * trail and inspect jobs on a machine with the configuration and no running service.
 */
import { HashChainAuditLog } from "../audit/chain.js";
import { defaultActor } from "../core/actor.js";
import { loadConfig, type BulwarkConfig } from "../core/config.js";
import { openDatabase, type DatabaseHandle } from "../db/index.js";
import { createObjectStore } from "../storage/index.js";
import { prepareDefaultBucket } from "../storage/default-bucket.js";
import type { ObjectStore } from "../storage/types.js";
import { ApiKeyStore } from "./auth/keys.js";
import { CanaryStore } from "./canaries.js";
import { UserStore } from "./auth/users.js";

export interface AdminContext {
  config: BulwarkConfig;
  db: DatabaseHandle;
  users: UserStore;
  keys: ApiKeyStore;
  canaries: CanaryStore;
  audit: HashChainAuditLog;
  /** Opened on first use. */
  store(): ObjectStore;
  actor: string;
}

export async function withAdmin<T>(fn: (ctx: AdminContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config);
  let store: ObjectStore | undefined;
  const audit = new HashChainAuditLog(db);
  try {
    // The local bucket is cheap to open and must have Object Lock before the first write
    // (an audit snapshot from a fresh home is locked); an S3 bucket is opened when used.
    if (config.storage.backend === "fs") {
      store = createObjectStore(config.storage);
      const warning = await prepareDefaultBucket(store);
      if (warning) process.emitWarning(warning, "BulwarkSecurityWarning");
    }
    return await fn({
      config,
      db,
      users: new UserStore(db.db),
      keys: new ApiKeyStore(db.db),
      canaries: new CanaryStore(db.db),
      audit,
      store: () => (store ??= createObjectStore(config.storage)),
      actor: defaultActor(),
    });
  } finally {
    await audit.flush();
    await store?.close();
    await db.close();
  }
}
