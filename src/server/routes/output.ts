/**
 * POST /v1/canary and POST /v1/detect/output: the other end of detection. A canary token
 * goes into a system prompt; an answer is screened before it is shown, for that token, the
 * prompt itself and ways to send data out (src/detect/output/). Open to clients, like
 * /v1/detect: the application that screens its users' texts screens its model's answers.
 * The screening runs on the request thread, so its input is bounded more tightly than a
 * detection's: answers up to 256 Ki characters and prompts up to 128 Ki (or
 * BULWARK_MAX_TEXT_CHARS, when lower). A 2,000-character answer takes a few hundred
 * microseconds; the largest, 25-50 ms (BENCHMARKS.md, "Output screening").
 */
import type { Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { screenOutput } from "../../detect/output/screen.js";
import { actorOf } from "../auth/roles.js";
import { canaryCreationAuditEntry, traceCanaries } from "../canaries.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { CanaryBody, CreatedCanary, OutputVerdict, outputSchemas } from "../schemas/output.js";

export const MAX_OUTPUT_CHARS = 262_144;
export const MAX_PROMPT_CHARS = 131_072;

export function outputRoutes(ctx: ServerContext): FastifyPluginAsync {
  const { maxTextChars, bodyLimitBytes } = ctx.config.server;
  const maxOutputChars = Math.min(maxTextChars, MAX_OUTPUT_CHARS);
  const maxPromptChars = Math.min(maxTextChars, MAX_PROMPT_CHARS);
  const s = outputSchemas({ maxOutputChars, maxPromptChars });
  // Up to 6 bytes a character once JSON-escaped, and room for the lists.
  const bodyLimit = Math.min(bodyLimitBytes, (maxOutputChars + maxPromptChars) * 6 + 262_144);

  return async (app) => {
    app.post<{ Body: Static<typeof CanaryBody> }>(
      "/v1/canary",
      {
        config: { access: "detect" },
        schema: {
          tags: ["output"],
          summary:
            "Make a canary token to place in a system prompt; the response is the only time it is shown",
          body: CanaryBody,
          response: responses(CreatedCanary, 201),
        },
      },
      async (request, reply) => {
        const actor = actorOf(request.principal);
        const created = await ctx.canaries.create({
          label: request.body.label ?? null,
          createdBy: actor,
          principalId: request.principal?.id ?? null,
        });
        await ctx.audit.record(canaryCreationAuditEntry(actor, created));
        return reply.code(201).send(ok(created));
      },
    );

    app.post<{ Body: Static<typeof s.OutputBody> }>(
      "/v1/detect/output",
      {
        bodyLimit,
        config: { access: "detect" },
        schema: {
          tags: ["output"],
          summary:
            "Screen an LLM's answer before it is shown: canary tokens, system prompt leaks, exfiltration",
          body: s.OutputBody,
          response: responses(OutputVerdict),
        },
      },
      async (request) => {
        const b = request.body;
        const verdict = screenOutput(b.output, {
          ...(b.canaries ? { canaries: b.canaries } : {}),
          ...(b.systemPrompt ? { systemPrompt: b.systemPrompt } : {}),
          ...(b.allowedHosts ? { allowedHosts: b.allowedHosts } : {}),
          ...(b.threshold !== undefined ? { threshold: b.threshold } : {}),
        });
        await traceCanaries(ctx.canaries, ctx.audit, verdict, request.principal);
        return ok(verdict);
      },
    );
  };
}
