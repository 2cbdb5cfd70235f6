/**
 * The detection routes' side of detection events: the recorder built from the settings
 * (none when BULWARK_EVENTS=off), what a request says about its end user (the body's
 * `subject` or the X-Bulwark-Subject header), and one event per screened text. Nothing
 * here does more than gather references; the recorder does the work at flush time.
 */
import type { FastifyRequest } from "fastify";
import { EventRecorder, headChars, type EventRoute } from "../../analytics/events/index.js";
import type { App } from "../../app/app.js";
import type { EventSettings } from "../../app/settings.js";
import { ValidationError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { Verdict } from "../../detect/types.js";
import { LANGUAGE_HEAD_CHARS } from "../../text/language.js";
import type { ServiceMetrics } from "../metrics/registry.js";
import type { BodySeen } from "./pool-protocol.js";

export const SUBJECT_MAX_CHARS = 256;
const SUBJECT_HEADER = "x-bulwark-subject";

export function eventRecorder(app: App, metrics: ServiceMetrics, logger: Logger): EventRecorder | undefined {
  const settings = app.settings.events;
  if (!settings.enabled) return undefined;
  const m = metrics.events;
  const dropped = {
    queue_full: m.dropped.labels({ reason: "queue_full" }),
    write_failed: m.dropped.labels({ reason: "write_failed" }),
    closed: m.dropped.labels({ reason: "closed" }),
  };
  const recorder = new EventRecorder({
    db: app.db,
    redactor: app.privacy.redactor,
    subject: app.privacy.subject,
    settings,
    logger,
    meters: {
      written: (n) => m.written.inc(n),
      dropped: (reason, n) => dropped[reason].inc(n),
      flushSeconds: (s) => m.flushSeconds.observe(s),
    },
  });
  m.queued.read = () => recorder.queued;
  return recorder;
}

/**
 * What a detection worker sends back about a body it screened, for its events: nothing
 * (undefined, events off), the texts' lengths (0, text mode `none` without languages), in
 * `none` mode their first LANGUAGE_HEAD_CHARS characters for language identification only
 * (never stored), or their first characters as many as an event may keep (a margin more,
 * for redaction at the cut).
 */
export function eventTextForWorkers(settings: EventSettings): number | undefined {
  if (!settings.enabled) return undefined;
  const forLanguage = settings.langPerSecond > 0 ? LANGUAGE_HEAD_CHARS : 0;
  return settings.text === "none" ? forLanguage : Math.max(headChars(settings.maxTextChars), forLanguage);
}

/** The end user the X-Bulwark-Subject header names (a body's `subject` wins over it), checked before screening. */
export function headerSubject(request: FastifyRequest): string | undefined {
  const given = request.headers[SUBJECT_HEADER];
  if (given === undefined || given === "") return undefined;
  if (typeof given !== "string" || given.length > SUBJECT_MAX_CHARS)
    throw new ValidationError(
      `X-Bulwark-Subject must be one value of at most ${SUBJECT_MAX_CHARS} characters`,
    );
  return given;
}

/** What the request thread saw of a body it parsed itself: the texts by reference. */
export function seenHere(texts: readonly string[], subject: string | undefined): BodySeen {
  return { ...(subject ? { subject } : {}), texts: texts.map((t) => ({ length: t.length, text: t })) };
}

/** One event per screened text (a batch's verdicts are in its texts' order). */
export function recordDetections(
  recorder: EventRecorder | undefined,
  request: FastifyRequest,
  route: EventRoute,
  verdicts: readonly Verdict[],
  seen: BodySeen,
  subject: string | undefined,
): void {
  if (!recorder) return;
  const at = Date.now();
  const actor = request.principal?.id ?? "anonymous";
  const who = seen.subject ?? subject;
  for (let i = 0; i < verdicts.length; i++) {
    const t = seen.texts[i];
    recorder.record({
      at,
      actor,
      subject: who,
      route,
      requestId: request.id,
      verdict: verdicts[i]!,
      textLength: t?.length ?? 0,
      text: t?.text,
    });
  }
}
