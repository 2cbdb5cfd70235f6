/**
 * Request counts and latency by route template and status for every response, and the
 * Prometheus endpoint. /metrics answers without user credentials; when
 * config.server.metricsToken is set it wants `Authorization: Bearer <that token>`.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Counter, Histogram } from "prom-client";
import { sendError } from "../errors.js";
import type { ServiceMetrics } from "../metrics/registry.js";

interface Children {
  count: ReturnType<Counter<"method" | "route" | "status">["labels"]>;
  latency: ReturnType<Histogram<"method" | "route" | "status">["labels"]>;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

export function installMetrics(
  app: FastifyInstance,
  metrics: ServiceMetrics,
  options: { token: string | undefined; beforeScrape: () => Promise<void> },
): void {
  // Label children cached per (method, route, status): no label hashing per request.
  const children = new Map<string, Children>();
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "(unmatched)";
    const id = `${request.method} ${reply.statusCode} ${route}`;
    let c = children.get(id);
    if (c === undefined) {
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      c = { count: metrics.requests.labels(labels), latency: metrics.latency.labels(labels) };
      if (children.size < 5_000) children.set(id, c);
    }
    c.count.inc();
    c.latency.observe(reply.elapsedTime / 1000);
    done();
  });

  const expected = options.token ? digest(`Bearer ${options.token}`) : undefined;
  app.get(
    "/metrics",
    {
      config: { access: "public", rateLimit: "exempt" },
      schema: { hide: true },
    },
    async (request, reply) => {
      if (expected && !timingSafeEqual(digest(request.headers.authorization ?? ""), expected)) {
        reply.header("www-authenticate", 'Bearer realm="bulwark-metrics"');
        return sendError(reply, 401, "UNAUTHENTICATED", "the metrics token is missing or wrong");
      }
      await options
        .beforeScrape()
        .catch((err: unknown) => request.log.warn({ err }, "metrics refresh failed"));
      reply.header("content-type", metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}
