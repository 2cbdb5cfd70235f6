/**
 * The dashboard's files, on the API's own port: `/` is the app shell (index.html, never
 * cached, so a new build is picked up at once) and `/assets/*` the built scripts and styles
 * (content-hashed names, cached for a year as immutable). Both are public, like the login
 * page of any site; every piece of data the page shows comes from the /v1 API behind the
 * guard. Their CSP lets the page run only its own scripts and styles; the API keeps
 * `default-src 'none'`.
 */
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sendError } from "../errors.js";

/** Where `npm run build` puts the dashboard (dist/web), seen from dist/src/server/routes. */
export const DASHBOARD_ROOT = fileURLToPath(new URL("../../../web/", import.meta.url));

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const YEAR_SECONDS = 31_536_000;

export function dashboardRoutes(root = DASHBOARD_ROOT): FastifyPluginAsync {
  return async (app) => {
    const built = existsSync(`${root}index.html`);
    if (built) await app.register(fastifyStatic, { root, serve: false });
    const notBuilt = (reply: FastifyReply) =>
      sendError(
        reply,
        404,
        "DASHBOARD_NOT_BUILT",
        "the dashboard is not built: run `npm run build` (it writes dist/web)",
      );

    app.get(
      "/",
      {
        config: { access: "public" },
        schema: { tags: ["dashboard"], summary: "The dashboard (a single-page app)", security: [] },
      },
      async (_request, reply) => {
        if (!built) return notBuilt(reply);
        reply.header("content-security-policy", DASHBOARD_CSP);
        reply.header("cache-control", "no-cache");
        return reply.sendFile("index.html", { cacheControl: false });
      },
    );

    app.get<{ Params: { "*": string } }>(
      "/assets/*",
      {
        config: { access: "public" },
        schema: { tags: ["dashboard"], summary: "The dashboard's scripts and styles", security: [] },
      },
      async (request, reply) => {
        if (!built) return notBuilt(reply);
        const name = request.params["*"];
        // Built names only: no folders, no dot files (send refuses `..` on its own too).
        if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith("."))
          return sendError(reply, 404, "NOT_FOUND", "no such asset");
        reply.header("content-security-policy", DASHBOARD_CSP);
        reply.header("cache-control", `public, max-age=${YEAR_SECONDS}, immutable`);
        return reply.sendFile(`assets/${name}`, { cacheControl: false });
      },
    );
  };
}
