/** /health (the process answers) and /ready (database, object store and model are usable). */
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { describeError } from "../../core/errors.js";
import type { ServerContext } from "../context.js";
import { ModelRef } from "../schemas/detect.js";
import { errorBody, ok, responses } from "../replies.js";

const CHECK_TIMEOUT_MS = 3_000;

function withTimeout(p: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<void>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
        CHECK_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

const Check = Type.Object({ name: Type.String(), ok: Type.Boolean(), error: Type.Optional(Type.String()) });

export function healthRoutes(ctx: ServerContext): FastifyPluginAsync {
  const started = Date.now();
  return async (app) => {
    const open = { access: "public" as const, rateLimit: "exempt" as const };
    app.get(
      "/health",
      {
        config: open,
        schema: {
          tags: ["service"],
          summary: "Liveness: the process is up",
          security: [],
          response: responses(
            Type.Object({ status: Type.Literal("ok"), version: Type.String(), uptimeSeconds: Type.Number() }),
          ),
        },
      },
      async () =>
        ok({ status: "ok" as const, version: ctx.version, uptimeSeconds: (Date.now() - started) / 1000 }),
    );

    app.get(
      "/ready",
      {
        config: open,
        schema: {
          tags: ["service"],
          summary: "Readiness: database, object store and model are usable",
          security: [],
          response: responses(
            Type.Object({
              ready: Type.Boolean(),
              checks: Type.Array(Check),
              model: Type.Union([ModelRef, Type.Null()], { description: "The production model in service" }),
              detectors: Type.Array(Type.String(), { description: "Detectors a request may name" }),
            }),
          ),
        },
      },
      async (_request, reply) => {
        const checks = await Promise.all([
          ...ctx.readiness.map(async (c) => {
            try {
              await withTimeout(c.check());
              return { name: c.name, ok: true };
            } catch (err) {
              return { name: c.name, ok: false, error: describeError(err).slice(0, 300) };
            }
          }),
          ctx.models.ready
            ? { name: "model", ok: true }
            : { name: "model", ok: false, error: "the model is still loading" },
        ]);
        const ready = checks.every((c) => c.ok);
        if (!ready) {
          return reply.code(503).send(
            errorBody(
              "NOT_READY",
              `not ready: ${checks
                .filter((c) => !c.ok)
                .map((c) => c.name)
                .join(", ")}`,
              reply.request.id,
              { checks },
            ),
          );
        }
        return ok({ ready, checks, model: ctx.models.model ?? null, detectors: ctx.models.names });
      },
    );
  };
}
