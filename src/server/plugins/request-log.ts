/**
 * One log line per request, written when the response is sent: request id, method, path
 * (never the query string, which may hold a presigned link's signature), status, time and
 * who called. Headers and bodies are never logged, so keys and passwords cannot leak here.
 */
import type { FastifyInstance } from "fastify";

export function installRequestLog(app: FastifyInstance): void {
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const status = reply.statusCode;
    const line = {
      method: request.method,
      path: request.url.split("?", 1)[0]!.slice(0, 300),
      status,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      ip: request.ip,
      ...(request.principal ? { principal: `${request.principal.kind}:${request.principal.name}` } : {}),
    };
    if (status >= 500) request.log.error(line, "request failed");
    else if (status >= 400) request.log.info(line, "request refused");
    else request.log.info(line, "request");
    done();
  });
}
