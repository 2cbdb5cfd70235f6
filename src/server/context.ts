/** Everything the routes need, built once by `startServer` (or by a test) and passed down. */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { BulwarkConfig } from "../core/config.js";
import type { HashChainAuditLog } from "../core/audit-chain.js";
import type { DatabaseHandle } from "../db/open.js";
import type { Database } from "../db/schema.js";
import type { JobSystem } from "../jobs/index.js";
import type { ObjectStore } from "../storage/types.js";
import type { Authenticator } from "./auth/authenticator.js";
import type { ApiKeyStore } from "./auth/keys.js";
import type { UserStore } from "./auth/users.js";
import type { ModelService } from "./detection/models.js";
import type { ServiceMetrics } from "./metrics/registry.js";
import type { RateLimiter } from "./rate-limit/types.js";
import type { ServiceSettings } from "./settings.js";

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface ServerContext {
  config: BulwarkConfig;
  settings: ServiceSettings;
  version: string;
  logger: Logger;
  db: Kysely<Database>;
  /** The same database with its dialect, for transactions and the registry. */
  database: DatabaseHandle;
  metrics: ServiceMetrics;
  limiter: RateLimiter;
  auth: Authenticator;
  users: UserStore;
  keys: ApiKeyStore;
  audit: HashChainAuditLog;
  store: ObjectStore;
  jobs: JobSystem;
  models: ModelService;
  /** What /ready checks besides the model. */
  readiness: ReadinessCheck[];
}
