/** Everything the routes need, built once by `startServer` (or by a test) and passed down. */
import type { Logger } from "pino";
import type { App } from "../app/app.js";
import type { BulwarkConfig } from "../core/config.js";
import type { HashChainAuditLog } from "../audit/chain.js";
import type { JobSystem } from "../jobs/index.js";
import type { ObjectStore } from "../storage/types.js";
import type { Authenticator } from "./auth/authenticator.js";
import type { ApiKeyStore } from "./auth/keys.js";
import type { CanaryStore } from "./canaries.js";
import type { UserStore } from "./auth/users.js";
import type { ModelService } from "./detection/models.js";
import type { ServiceMetrics } from "./metrics/registry.js";
import type { RateLimiter } from "./rate-limit/types.js";
import type { ServiceSettings } from "../app/settings.js";
import type { EventRecorder } from "../analytics/events/index.js";
import type { ShadowRunner } from "../analytics/shadow/index.js";

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface ServerContext {
  /** The application the server fronts; config, settings, audit and store below are its parts. */
  app: App;
  config: BulwarkConfig;
  settings: ServiceSettings;
  version: string;
  logger: Logger;
  metrics: ServiceMetrics;
  limiter: RateLimiter;
  auth: Authenticator;
  users: UserStore;
  keys: ApiKeyStore;
  canaries: CanaryStore;
  audit: HashChainAuditLog;
  store: ObjectStore;
  jobs: JobSystem;
  models: ModelService;
  /** Detection events, written off the request path; undefined when BULWARK_EVENTS=off. */
  events: EventRecorder | undefined;
  /** The shadow model beside production (scoring a sample off the request path); idle when none is set. */
  shadow: ShadowRunner | undefined;
  /** What /ready checks besides the model. */
  readiness: ReadinessCheck[];
}
