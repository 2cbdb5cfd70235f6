/**
 * One server span per HTTP request, installed only when tracing is on. A caller's W3C
 * `traceparent` makes the span its child; the response names the trace in `traceresponse`
 * (W3C Trace Context level 2: `00-<trace id>-<span id>-<flags>`), and the request log line
 * carries trace_id and span_id beside reqId, so a log line, a trace and a caller's request
 * id find one another. The span is named by the route pattern (`POST /v1/detect`), never by
 * the path a caller chose, and holds no header, query string or body.
 *
 * The span's context is made active for the hooks before the body is read and again after
 * it (preValidation): reading a body continues on the socket's own async context, where the
 * request's would otherwise be lost, and the handler's database and detection spans with it.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  context,
  contextFrom,
  SpanKind,
  SpanStatusCode,
  trace,
  tracer,
  tracingEnabled,
  type Context,
  type Span,
} from "../../core/tracing.js";
import { scrubPath } from "./request-log.js";

declare module "fastify" {
  interface FastifyRequest {
    traceSpan: Span | undefined;
    traceContext: Context | undefined;
  }
}

/** Requests whose span onError already gave an error.type. */
const named = new WeakSet<FastifyRequest>();

export function installTracing(app: FastifyInstance): void {
  if (!tracingEnabled()) return;
  app.decorateRequest("traceSpan", undefined);
  app.decorateRequest("traceContext", undefined);

  app.addHook("onRequest", (request, reply, done) => {
    const parent = contextFrom(request.headers);
    const route = request.routeOptions.url;
    const span = tracer().startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": request.method,
          ...(route ? { "http.route": route } : {}),
          "url.path": scrubPath(request.url.split("?", 1)[0]!.slice(0, 300)),
          "url.scheme": request.protocol,
          "client.address": request.ip,
          "bulwark.request_id": request.id,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    request.traceSpan = span;
    request.traceContext = active;
    const c = span.spanContext();
    reply.header("traceresponse", `00-${c.traceId}-${c.spanId}-0${c.traceFlags & 1}`);
    context.with(active, done);
  });

  app.addHook("preValidation", (request, _reply, done) => {
    if (request.traceContext) context.with(request.traceContext, done);
    else done();
  });

  app.addHook("onError", (request, _reply, error, done) => {
    const code = (error as { code?: unknown }).code;
    request.traceSpan?.setAttribute("error.type", typeof code === "string" ? code : error.name);
    named.add(request);
    done();
  });

  app.addHook("onResponse", (request, reply, done) => {
    const span = request.traceSpan;
    if (span) {
      const status = reply.statusCode;
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        // onError named the error by its code when there was one; otherwise the status says it.
        if (!named.has(request)) span.setAttribute("error.type", String(status));
      }
      // Its ids stay readable for the request log line, written after this hook.
      span.end();
    }
    done();
  });

  app.addHook("onRequestAbort", (request, done) => {
    const span = request.traceSpan;
    if (span?.isRecording()) {
      span.setAttributes({ "error.type": "aborted" });
      span.setStatus({ code: SpanStatusCode.ERROR, message: "the client closed the connection" });
      span.end();
    }
    done();
  });
}
