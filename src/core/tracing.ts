/**
 * What the rest of the code needs of OpenTelemetry, through `@opentelemetry/api` only: the
 * tracer, whether tracing is on, and the trace context carried across a process boundary
 * (a job's payload). The SDK is loaded by src/app/tracing.ts only when an OTLP endpoint is
 * configured; until then the API answers with no-op spans, and every instrumentation point
 * asks `tracingEnabled()` first so that a server without tracing does no tracing work at all.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Span,
  type Tracer,
} from "@opentelemetry/api";

let enabled = false;
let cachedTracer: Tracer | undefined;

/** Whether a tracer provider was started in this process (set by the tracing bootstrap only). */
export function tracingEnabled(): boolean {
  return enabled;
}

/** Called by the bootstrap once its provider is registered, and again when it is shut down. */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
  cachedTracer = undefined;
}

export function tracer(): Tracer {
  cachedTracer ??= trace.getTracer("bulwark");
  return cachedTracer;
}

/**
 * The live, sampled span of the current context, if any. Database and S3 spans are made
 * only under one: work outside a traced request or job (timers, polling, batched writes)
 * would otherwise start traces of its own, or hang under a parent that has already ended.
 */
export function liveParent(): Span | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span : undefined;
}

/** The trace ids for a log line of the current context (empty when there is none). */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const c = span.spanContext();
  return trace.isSpanContextValid(c) ? { trace_id: c.traceId, span_id: c.spanId } : {};
}

/** The current trace context as W3C headers (`traceparent`, `tracestate`), to store with a job. */
export function captureTraceContext(): Record<string, string> | undefined {
  if (!enabled) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** The context a stored or received carrier names; the root context when there is none. */
export function contextFrom(carrier: Record<string, string | string[] | undefined> | undefined): Context {
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

export { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
export type { Attributes, Context, Span } from "@opentelemetry/api";
