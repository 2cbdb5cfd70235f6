/**
 * The tracing bootstrap: when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), loads the OpenTelemetry SDK and registers a tracer
 * provider that batches spans to it over OTLP/HTTP (protobuf by default, JSON on request).
 * Without an endpoint nothing of the SDK is even imported: the code elsewhere speaks only to
 * `@opentelemetry/api` (src/core/tracing.ts), whose tracer is a no-op until a provider exists.
 *
 * The on/off switch, the service name, the protocol and the URL are read from the `env` given;
 * the SDK reads the other standard variables itself from the process environment
 * (OTEL_TRACES_SAMPLER and _ARG, OTEL_BSP_*, OTEL_EXPORTER_OTLP_HEADERS and _TIMEOUT,
 * OTEL_RESOURCE_ATTRIBUTES).
 */
import { context, diag, DiagLogLevel, propagation, trace, type DiagLogFunction } from "@opentelemetry/api";
import { ValidationError } from "../core/errors.js";
import { setTracingEnabled } from "../core/tracing.js";
import { packageVersion } from "../core/version.js";

type Env = Record<string, string | undefined>;

export interface TracingHandle {
  /** Exports what is still buffered and unregisters the provider; spans end up at the collector. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** service.name when OTEL_SERVICE_NAME is not set: "bulwark" (server) or "bulwark-worker". */
  serviceName: string;
  /** Told of the SDK's own problems (a collector that does not answer, a refused export). */
  onWarning?: (message: string) => void;
}

/** Whether tracing is asked for: an OTLP endpoint is set (and OTEL_SDK_DISABLED is not true). */
export function tracingConfigured(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/** The traces URL: the signal-specific endpoint as given, or the base endpoint + /v1/traces. */
export function tracesUrl(env: Env): string | undefined {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (specific) return specific;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined;
}

export function tracesProtocol(env: Env): "http/protobuf" | "http/json" {
  const p = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf")
    .trim()
    .toLowerCase();
  if (p === "" || p === "http/protobuf") return "http/protobuf";
  if (p === "http/json") return "http/json";
  throw new ValidationError(
    `OTEL_EXPORTER_OTLP_PROTOCOL=${p} is not supported: use http/protobuf (the default; OTLP/HTTP, port 4318) or http/json`,
  );
}

/** One provider per process, shared by everything that starts tracing in it (tests start several servers). */
let running: { handle: Promise<{ shutdown(): Promise<void> }>; refs: number } | undefined;

/**
 * Starts tracing when it is configured; otherwise returns a handle that does nothing and
 * loads nothing. Call `shutdown()` last on the way out, after the work that makes spans.
 */
export async function startTracing(env: Env, options: TracingOptions): Promise<TracingHandle> {
  if (!tracingConfigured(env)) return { shutdown: async () => undefined };
  const protocol = tracesProtocol(env);
  if (!running) running = { handle: register(env, protocol, options), refs: 0 };
  const entry = running;
  entry.refs++;
  try {
    await entry.handle;
  } catch (err) {
    if (running === entry) running = undefined;
    throw err;
  }
  let done = false;
  return {
    async shutdown() {
      if (done) return;
      done = true;
      if (--entry.refs > 0) return;
      if (running === entry) running = undefined;
      await (await entry.handle).shutdown();
    },
  };
}

async function register(
  env: Env,
  protocol: "http/protobuf" | "http/json",
  options: TracingOptions,
): Promise<{ shutdown(): Promise<void> }> {
  // Loaded here only: a process without an endpoint never reads these modules.
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, resources, semconv, exporterModule] =
    await Promise.all([
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/sdk-trace-base"),
      import("@opentelemetry/resources"),
      import("@opentelemetry/semantic-conventions"),
      protocol === "http/json"
        ? import("@opentelemetry/exporter-trace-otlp-http")
        : import("@opentelemetry/exporter-trace-otlp-proto"),
    ]);
  if (options.onWarning) {
    const warn: DiagLogFunction = (message, ...args) =>
      options.onWarning!(`tracing: ${[message, ...args.map(String)].join(" ")}`);
    const quiet: DiagLogFunction = () => undefined;
    diag.setLogger(
      { error: warn, warn, info: quiet, debug: quiet, verbose: quiet },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.envDetector] }))
    .merge(
      resources.resourceFromAttributes({
        [semconv.ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME?.trim() || options.serviceName,
        [semconv.ATTR_SERVICE_VERSION]: packageVersion(),
        "process.pid": process.pid,
      }),
    );
  const exporter = new exporterModule.OTLPTraceExporter({ url: tracesUrl(env) });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  // Registers the provider, W3C trace context and baggage propagation, and the
  // AsyncLocalStorage context manager that carries the active span across awaits.
  provider.register();
  setTracingEnabled(true);
  return {
    async shutdown() {
      setTracingEnabled(false);
      try {
        await provider.shutdown();
      } finally {
        // A later start in this process (tests) registers afresh.
        trace.disable();
        context.disable();
        propagation.disable();
        diag.disable();
      }
    },
  };
}
