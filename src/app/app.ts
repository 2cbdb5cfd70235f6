/**
 * The application built from configuration: the metadata database (migrated), the object
 * store, the audit trail, and workspaces over them. This is the one place that knows which
 * backends were chosen; `bulwark serve`, `bulwark worker` and the commands open an App and
 * hand its parts down, so none of them wires backends of its own.
 */
import { HashChainAuditLog } from "../audit/chain.js";
import { loadConfig, type BulwarkConfig } from "../core/config.js";
import { openDatabase, type DatabaseHandle } from "../db/index.js";
import { createObjectStore } from "../storage/index.js";
import { prepareDefaultBucket } from "../storage/default-bucket.js";
import type { ObjectStore } from "../storage/types.js";
import { preparePrivateHome } from "./home.js";
import { loadServiceSettings, type ServiceSettings } from "./settings.js";
import { openWorkspace, type Workspace } from "./workspace.js";
import { openPrivacy, type Privacy } from "./privacy.js";

export interface App {
  config: BulwarkConfig;
  settings: ServiceSettings;
  db: DatabaseHandle;
  store: ObjectStore;
  audit: HashChainAuditLog;
  /** Redaction and keyed hashing with this deployment's key (src/app/privacy.ts). */
  privacy: Privacy;
  /** The catalogues acting as `actor`, over this app's database and store (nothing new is opened). */
  workspace(actor: string): Promise<Workspace>;
  close(): Promise<void>;
}

export interface OpenAppOptions {
  config?: BulwarkConfig;
  settings?: ServiceSettings;
  env?: Record<string, string | undefined>;
  /** Base URL of the HTTP server, for the local store's presigned links. */
  publicUrl?: string;
  /** Wraps the store once it is created (a server counts its calls for metrics). */
  wrapStore?: (store: ObjectStore) => ObjectStore;
  /** Told about problems that do not stop the start (a home other users can read). */
  onWarning?: (message: string) => void;
}

export async function openApp(options: OpenAppOptions = {}): Promise<App> {
  const env = options.env ?? process.env;
  const config = options.config ?? loadConfig(env);
  const settings = options.settings ?? loadServiceSettings(env);
  const warning = preparePrivateHome(config);
  const warn = options.onWarning ?? ((m: string) => process.emitWarning(m, "BulwarkSecurityWarning"));
  if (warning) warn(warning);
  const db = await openDatabase(config);
  let store: ObjectStore | undefined;
  try {
    const created = createObjectStore(config.storage, {
      env,
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    });
    store = options.wrapStore ? options.wrapStore(created) : created;
    const lockWarning = await prepareDefaultBucket(store);
    if (lockWarning) warn(lockWarning);
  } catch (err) {
    await store?.close();
    await db.close();
    throw err;
  }
  const audit = new HashChainAuditLog(db);
  const opened = store;
  let privacy: Privacy;
  try {
    privacy = await openPrivacy(db.db, settings.privacy);
  } catch (err) {
    await opened.close();
    await db.close();
    throw err;
  }
  return {
    config,
    settings,
    db,
    store: opened,
    audit,
    privacy,
    workspace: (actor) => openWorkspace(config, { actor, audit, db, store: opened }),
    async close() {
      await audit.flush();
      await opened.close();
      await db.close();
    },
  };
}
