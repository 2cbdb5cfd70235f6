/**
 * POST /v1/detect, /v1/detect/batch and /v1/scan: the hot path, kept to a lookup and a call.
 * A large body is not parsed here: it goes as bytes to a detection worker, which parses,
 * validates and screens it (see DeferredBody), so megabyte requests never hold up the
 * small ones on the request thread. Every screened text leaves a detection event (see
 * detection/events.ts): the route hands over references, the recorder writes them later.
 * A sampled share of them is also scored by the shadow model, when one is set (see
 * detection/shadow.ts): again the route only hands over references.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { EventRoute } from "../../analytics/events/index.js";
import type { ScanResult } from "../../detect/document-scan.js";
import type { Verdict } from "../../detect/types.js";
import { DeferredBody } from "../body/deferred.js";
import type { ServerContext } from "../context.js";
import {
  requestOptions,
  scanOptions,
  type BatchBody,
  type BodyRoute,
  type DetectBody,
  type ScanBody,
} from "../detection/request-options.js";
import { headerSubject, recordDetections, seenHere } from "../detection/events.js";
import { shadowDetections } from "../detection/shadow.js";
import { traceDetection } from "../detection/tracing.js";
import type { BodySeen } from "../detection/pool-protocol.js";
import { installJsonBody } from "../plugins/json-body.js";
import { ok, responses } from "../replies.js";
import { detectSchemas } from "../schemas/detect.js";

export function detectRoutes(ctx: ServerContext): FastifyPluginAsync {
  const { maxTextChars, maxBatch, bodyLimitBytes } = ctx.config.server;
  const s = detectSchemas({ maxTextChars, maxBatch });
  // A text of maxTextChars characters may take up to 6 bytes each once JSON-escaped.
  const oneText = Math.min(bodyLimitBytes, maxTextChars * 6 + 4096);
  const models = ctx.models;

  const detectOne = (b: DetectBody) => models.detect(b.text, requestOptions(b), b.detectors);
  const detectMany = async (b: BatchBody) => {
    // One decoding budget for the batch; a large one is screened off the request thread.
    const results = await models.detectBatch(b.texts, requestOptions(b), b.detectors);
    return { results, flagged: results.filter((r) => r.flagged).length };
  };
  const scan = (b: ScanBody) => models.scan(b.content, scanOptions(b), b.detectors);

  const events = ctx.events;
  const shadow = ctx.shadow;
  const nothingSeen: BodySeen = { texts: [] };

  /** What every answered request leaves behind: its answer counted, its events, its shadow sample. */
  function settled(
    request: FastifyRequest,
    route: EventRoute,
    verdicts: readonly Verdict[],
    seen: BodySeen,
    subject: string | undefined,
  ): void {
    models.answered(route, verdicts);
    recordDetections(events, request, route, verdicts, seen, subject);
    shadowDetections(shadow, request, route, verdicts, seen, subject);
  }

  /**
   * The body's answer, screened here or by a worker that got the body as bytes, with what
   * its events need: the texts here by reference, or what the worker sent back of them.
   */
  async function answer<B extends { subject?: string | undefined }, R>(
    route: BodyRoute,
    body: B | DeferredBody,
    here: (b: B) => R | Promise<R>,
    fromWorker: (result: Verdict | Verdict[] | ScanResult) => R,
    texts: (b: B) => readonly string[],
  ): Promise<{ result: R; seen: BodySeen }> {
    const screenHere = async (b: B) => ({
      result: await here(b),
      seen: events || (shadow && shadow.sample > 0) ? seenHere(texts(b), b.subject) : nothingSeen,
    });
    if (!(body instanceof DeferredBody)) return screenHere(body);
    const outcome = await models.screenBody(route, body.bytes, shadow?.sample ?? 0);
    if (outcome.kind === "parsed") return screenHere(outcome.body as B);
    return { result: fromWorker(outcome.result), seen: outcome.seen ?? nothingSeen };
  }

  return async (app) => {
    installJsonBody(app, (raw) => (models.defers(raw.byteLength) ? new DeferredBody(raw) : undefined));

    app.post<{ Body: DetectBody }>(
      "/v1/detect",
      {
        bodyLimit: oneText,
        config: { access: "detect" },
        schema: {
          tags: ["detection"],
          summary: "Screen one text",
          body: s.DetectBody,
          response: responses(Type.Ref("Verdict")),
        },
      },
      async (request) => {
        const subject = headerSubject(request);
        const { result, seen } = await traceDetection(
          "detect",
          () =>
            answer(
              "detect",
              request.body,
              detectOne,
              (r) => r as Verdict,
              (b) => [b.text],
            ),
          (a) => [a.result],
        );
        settled(request, "detect", [result], seen, subject);
        return ok(result);
      },
    );

    app.post<{ Body: BatchBody }>(
      "/v1/detect/batch",
      {
        bodyLimit: bodyLimitBytes,
        config: { access: "detect" },
        schema: {
          tags: ["detection"],
          summary: `Screen up to ${maxBatch} texts in one request`,
          body: s.BatchBody,
          response: responses(s.BatchResult),
        },
      },
      async (request) => {
        const subject = headerSubject(request);
        const { result, seen } = await traceDetection(
          "batch",
          () =>
            answer(
              "batch",
              request.body,
              detectMany,
              (r) => {
                const results = r as Verdict[];
                return { results, flagged: results.filter((v) => v.flagged).length };
              },
              (b) => b.texts,
            ),
          (a) => a.result.results,
        );
        settled(request, "batch", result.results, seen, subject);
        return ok(result);
      },
    );

    app.post<{ Body: ScanBody }>(
      "/v1/scan",
      {
        bodyLimit: oneText,
        config: { access: "detect" },
        schema: {
          tags: ["detection"],
          summary: "Scan a long document window by window, with per-window evidence",
          body: s.ScanBody,
          response: responses(s.ScanResult),
        },
      },
      async (request) => {
        const subject = headerSubject(request);
        const { result, seen } = await traceDetection(
          "scan",
          () =>
            answer(
              "scan",
              request.body,
              scan,
              (r) => r as ScanResult,
              (b) => [b.content],
            ),
          (a) => [a.result.verdict],
        );
        settled(request, "scan", [result.verdict], seen, subject);
        return ok(result);
      },
    );
  };
}
