/**
 * One log line per request, written when the response is sent: request id, method, path
 * (never the query string, which may hold a presigned link's signature), status, time and
 * who called. Headers and bodies are never logged, so keys and passwords cannot leak here.
 *
 * The line holds only these fields, so it is built directly as pino's JSON (same fields
 * as every other line) and written to the logger's own destination: going through pino's
 * serialiser and redaction for it cost a sixth of a detection request's time.
 * With tracing on, the line also names the request's trace and server span (trace_id, span_id).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { hostname } from "node:os";
import { pino, type Logger } from "pino";
import { scrubText } from "../../privacy/scrub.js";

const LEVELS = { info: 30, error: 50 } as const;

/** Paths name things (`/v1/datasets/{name}`) callers choose; only a path with an @, an escape or a run of digits can hold personal data. */
const MAYBE_PERSONAL = /[@%]|\d{4}/;
export const scrubPath = (path: string) => (MAYBE_PERSONAL.test(path) ? scrubText(path) : path);

/** `,"trace_id":…,"span_id":…` of the request's server span (plugins/tracing.ts), when tracing is on. */
function traceJson(request: FastifyRequest): string {
  const c = request.traceSpan?.spanContext();
  return c ? `,"trace_id":"${c.traceId}","span_id":"${c.spanId}"` : "";
}

export function installRequestLog(app: FastifyInstance, logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, { write(line: string): unknown } | undefined>)[
    pino.symbols.streamSym
  ];
  const bindings = logger.bindings();
  const head = `"pid":${process.pid},"hostname":${JSON.stringify(hostname())}${bindings.name ? `,"name":${JSON.stringify(bindings.name)}` : ""}`;

  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? "error" : "info";
    if (!logger.isLevelEnabled(level)) return done();
    const path = scrubPath(request.url.split("?", 1)[0]!.slice(0, 300));
    const ms = Math.round(reply.elapsedTime * 100) / 100;
    const msg = status >= 500 ? "request failed" : status >= 400 ? "request refused" : "request";
    const who = request.principal
      ? `,"principal":${JSON.stringify(`${request.principal.kind}:${request.principal.name}`)}`
      : "";
    if (stream) {
      stream.write(
        `{"level":${LEVELS[level]},"time":${Date.now()},${head},"reqId":${JSON.stringify(request.id)},"method":${JSON.stringify(request.method)},` +
          `"path":${JSON.stringify(path)},"status":${status},"ms":${ms},"ip":${JSON.stringify(request.ip)}${who},"msg":"${msg}"${traceJson(request)}}\n`,
      );
    } else {
      request.log[level](
        {
          method: request.method,
          path,
          status,
          ms,
          ip: request.ip,
          ...(request.principal ? { principal: `${request.principal.kind}:${request.principal.name}` } : {}),
          ...(request.traceSpan
            ? {
                trace_id: request.traceSpan.spanContext().traceId,
                span_id: request.traceSpan.spanContext().spanId,
              }
            : {}),
        },
        msg,
      );
    }
    done();
  });
}
