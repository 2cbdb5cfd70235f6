/**
 * The vocabulary of shadow models (champion/challenger on live traffic): the challenger an
 * operator chose (a registry version and the share of texts it sees), what the request path
 * hands the runner for one sampled text (references only), and the runner's settings and
 * meters. The tables are src/db/schema.ts ShadowConfigTable and ShadowResultsTable.
 */
import type { Category, Detector, ModelRef, Verdict } from "../../detect/types.js";
import type { EventRoute, EventTextMode } from "../events/types.js";

/** A challenger: a registry version (`model@version`) and the share of texts it scores. */
export interface ShadowChoice {
  model: string;
  version: string;
  /** 0 to 1: the share of screened texts scored by the shadow model. */
  sample: number;
}

/** The challenger in force and where it was set: the API (stored, wins) or BULWARK_SHADOW. */
export interface ShadowSetting extends ShadowChoice {
  source: "api" | "env";
  updatedAt: string | null;
  updatedBy: string | null;
}

/** One sampled text as the request path saw it; scored and written later, off the request path. */
export interface ShadowInput {
  at: number;
  actor: string;
  /** The end user's id as given (hashed when the row is made). */
  subject?: string | undefined;
  route: EventRoute;
  requestId: string;
  production: { flagged: boolean; score: number; category: Category | null; model: ModelRef };
  /** The whole text, by reference. */
  text: string;
}

export const SHADOW_DROP_REASONS = [
  "queue_full",
  "cleared",
  "score_failed",
  "write_failed",
  "closed",
] as const;
export type ShadowDropReason = (typeof SHADOW_DROP_REASONS)[number];

export interface ShadowRunnerSettings {
  /** Sampled texts waiting to be scored, beyond which new ones are dropped (and counted). */
  maxQueue: number;
  /** What of a disagreement's text is kept: the events' mode (BULWARK_EVENTS_TEXT). */
  text: EventTextMode;
  maxTextChars: number;
}

/** The runner's meters; the server passes Prometheus ones (src/server/metrics/registry.ts). */
export interface ShadowMeters {
  compared(agree: boolean): void;
  dropped(reason: ShadowDropReason, n: number): void;
  scoreSeconds(seconds: number): void;
}

/** What `GET /v1/shadow` and `bulwark shadow status` say. */
export interface ShadowStatus {
  /** The setting in force (null: no shadow model). */
  setting: ShadowSetting | null;
  /** `name@version` this process is scoring with now (null: none loaded yet, or none set). */
  active: string | null;
  /** Why the setting's version could not be loaded here, when it could not. */
  error: string | null;
  /** Sampled texts waiting in this process. */
  queued: number;
}

/**
 * Where large texts are scored instead of the thread that answers requests (the server's
 * worker threads). The runner tells it which detector it scores with, and asks it first
 * for each text; undefined means "score it here".
 */
export interface ShadowOffload {
  use(detector: Detector | undefined): Promise<void>;
  score(route: EventRoute, text: string, detector: Detector): Promise<Verdict> | undefined;
  close(): Promise<void>;
}
