/**
 * /v1/shadow: the challenger every replica scores a sample of live traffic with, beside
 * production and off the request path (admins set and clear it, analysts read it). The
 * setting is stored, so every replica follows it at its next poll; this replica at once.
 */
import type { Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { clearShadow, setShadow } from "../../analytics/shadow/index.js";
import { BulwarkError } from "../../core/errors.js";
import { actorOf } from "../auth/roles.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { ShadowBody, ShadowStatus } from "../schemas/shadow.js";
import { workspaceFor } from "./workspace.js";

const DEFAULT_SAMPLE = 0.1;

export function shadowRoutes(ctx: ServerContext): FastifyPluginAsync {
  const runner = () => {
    if (!ctx.shadow) throw new BulwarkError("SHADOW_UNAVAILABLE", "this server runs no shadow model", 503);
    return ctx.shadow;
  };
  return async (app) => {
    app.get(
      "/v1/shadow",
      {
        config: { access: "read" },
        schema: {
          tags: ["shadow"],
          summary: "The shadow model in force (stored setting, else BULWARK_SHADOW) and this server's state",
          response: responses(ShadowStatus),
        },
      },
      async () => ok(runner().status()),
    );

    app.put<{ Body: Static<typeof ShadowBody> }>(
      "/v1/shadow",
      {
        config: { access: "admin" },
        schema: {
          tags: ["shadow"],
          summary:
            "Score a sample of live traffic with this version beside production (wins over BULWARK_SHADOW)",
          body: ShadowBody,
          response: responses(ShadowStatus),
        },
      },
      async (request) => {
        const r = runner();
        const { registry } = await workspaceFor(ctx, request);
        const { model, version, sample = DEFAULT_SAMPLE } = request.body;
        await setShadow(
          { db: ctx.app.db, registry, audit: ctx.audit },
          { model, version, sample },
          actorOf(request.principal),
        );
        await r.refresh();
        return ok(r.status());
      },
    );

    app.delete(
      "/v1/shadow",
      {
        config: { access: "admin" },
        schema: {
          tags: ["shadow"],
          summary: "Clear the stored shadow setting (BULWARK_SHADOW, when set, applies again)",
          response: responses(ShadowStatus),
        },
      },
      async (request) => {
        const r = runner();
        await clearShadow({ db: ctx.app.db, audit: ctx.audit }, actorOf(request.principal));
        await r.refresh();
        return ok(r.status());
      },
    );
  };
}
