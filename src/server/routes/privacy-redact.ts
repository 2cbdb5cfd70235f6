/**
 * POST /v1/privacy/redact: personal data and secrets taken out of a text, with what was
 * found. Open to every role that may screen texts (clients included): an application that
 * sends its users' prompts to /v1/detect may want them redacted before it logs them.
 * Hash mode uses this deployment's key (the app's privacy kit), so the hashes agree with
 * those in stored events and with `bulwark privacy redact --mode hash` on the same database.
 *
 * Redaction runs on the request thread, so the text is bounded like an output screening's:
 * up to 256 Ki characters (or BULWARK_MAX_TEXT_CHARS, when lower). A 1 KB text takes tens
 * of microseconds; 256 Ki of hostile text (every character a candidate) tens of
 * milliseconds (BENCHMARKS.md, "PII detection and redaction").
 */
import type { Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { privacySchemas } from "../schemas/privacy.js";

export const MAX_REDACT_CHARS = 262_144;

export function privacyRedactRoutes(ctx: ServerContext): FastifyPluginAsync {
  const maxTextChars = Math.min(ctx.config.server.maxTextChars, MAX_REDACT_CHARS);
  const s = privacySchemas({ maxTextChars });
  // Up to 6 bytes a character once JSON-escaped, and room for the options.
  const bodyLimit = Math.min(ctx.config.server.bodyLimitBytes, maxTextChars * 6 + 4096);
  const privacy = ctx.app.privacy;

  return async (app) => {
    app.post<{ Body: Static<typeof s.RedactBody> }>(
      "/v1/privacy/redact",
      {
        bodyLimit,
        config: { access: "detect" },
        schema: {
          tags: ["privacy"],
          summary: "Redact personal data and secrets from a text (mask, keyed hash or removal)",
          body: s.RedactBody,
          response: responses(s.Redacted),
        },
      },
      async (request) => {
        const mode = request.body.mode ?? "mask";
        const { text, findings } = privacy.redactorFor(mode, request.body.types).redact(request.body.text);
        return ok({ text, findings, mode });
      },
    );
  };
}
