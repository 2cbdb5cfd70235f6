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
import type { ObjectStore } from "../storage/types.js";
import { ApiKeyStore } from "./auth/keys.js";
import { UserStore } from "./auth/users.js";

export interface AdminContext {
  config: BulwarkConfig;
  db: DatabaseHandle;
  users: UserStore;
  keys: ApiKeyStore;
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
    return await fn({
      config,
      db,
      users: new UserStore(db.db),
      keys: new ApiKeyStore(db.db),
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
