/** POST /v1/detect, /v1/detect/batch and /v1/scan: the hot path, kept to a lookup and a call. */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { detectSchemas } from "../schemas/detect.js";

export function detectRoutes(ctx: ServerContext): FastifyPluginAsync {
  const { maxTextChars, maxBatch, bodyLimitBytes } = ctx.config.server;
  const s = detectSchemas({ maxTextChars, maxBatch });
  // A text of maxTextChars characters may take up to 6 bytes each once JSON-escaped.
  const oneText = Math.min(bodyLimitBytes, maxTextChars * 6 + 4096);

  return async (app) => {
    app.post<{ Body: Static<typeof s.DetectBody> }>(
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
        const b = request.body;
        return ok(
          await ctx.models.detect(
            b.text,
            {
              ...(b.threshold !== undefined ? { threshold: b.threshold } : {}),
              evidence: b.evidence !== false,
            },
            b.detectors,
          ),
        );
      },
    );

    app.post<{ Body: Static<typeof s.BatchBody> }>(
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
        const b = request.body;
        const options = {
          ...(b.threshold !== undefined ? { threshold: b.threshold } : {}),
          evidence: b.evidence !== false,
        };
        // One decoding budget for the batch; a large one is screened off the request thread.
        const results = await ctx.models.detectBatch(b.texts, options, b.detectors);
        return ok({ results, flagged: results.filter((r) => r.flagged).length });
      },
    );

    app.post<{ Body: Static<typeof s.ScanBody> }>(
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
        const b = request.body;
        const result = await ctx.models.scan(
          b.content,
          {
            ...(b.threshold !== undefined ? { threshold: b.threshold } : {}),
            evidence: b.evidence !== false,
            ...(b.window ? { window: b.window } : {}),
            allWindows: b.allWindows === true,
          },
          b.detectors,
        );
        return ok(result);
      },
    );
  };
}
