/**
 * A real OTLP/HTTP trace receiver for tests and benchmarks: a node:http server that accepts
 * POST /v1/traces in either encoding (application/x-protobuf, decoded with protobufjs and the
 * OTLP schema below; application/json) and keeps every span, flattened with its resource.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import protobuf from "protobufjs";

/** The part of opentelemetry/proto/{collector/trace,trace,common,resource}/v1 a trace export uses. */
const OTLP_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  repeated Event events = 11; uint32 dropped_events_count = 12;
  repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
}
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

const ExportTraceServiceRequest = protobuf
  .parse(OTLP_PROTO)
  .root.lookupType("otlp.ExportTraceServiceRequest");

export const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

export interface ReceivedSpan {
  service: string | undefined;
  resource: Record<string, unknown>;
  scope: string | undefined;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error */
  statusCode: number;
  /** Which encoding the export came in. */
  encoding: "protobuf" | "json";
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  /** Export requests by content type. */
  requests: { protobuf: number; json: number };
  /** Waits until `pick` finds spans (polling), or fails after `timeoutMs`. */
  waitFor(pick: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

type Loose = Record<string, unknown> | undefined;

/** Trace and span ids: bytes in protobuf, hex in OTLP JSON. */
function hex(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  return typeof v === "string" ? v.toLowerCase() : "";
}

function anyValue(v: Loose): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  // int64: a Long (protobufjs) or a decimal string (JSON)
  if (v.intValue !== undefined && v.intValue !== null) return Number(String(v.intValue));
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue !== undefined)
    return (((v.arrayValue as Loose)?.values as Loose[] | undefined) ?? []).map((x) => anyValue(x));
  return undefined;
}

function attributes(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list as { key: string; value: Loose }[] | undefined) ?? [])
    out[kv.key] = anyValue(kv.value);
  return out;
}

function flatten(request: Loose, encoding: "protobuf" | "json"): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (request?.resourceSpans as Loose[] | undefined) ?? []) {
    const resource = attributes((rs?.resource as Loose)?.attributes);
    for (const ss of (rs?.scopeSpans as Loose[] | undefined) ?? []) {
      for (const s of (ss?.spans as Loose[] | undefined) ?? []) {
        out.push({
          service: resource["service.name"] as string | undefined,
          resource,
          scope: (ss?.scope as Loose)?.name as string | undefined,
          traceId: hex(s?.traceId),
          spanId: hex(s?.spanId),
          parentSpanId: hex(s?.parentSpanId),
          name: String(s?.name),
          kind: Number(s?.kind ?? 0),
          attributes: attributes(s?.attributes),
          statusCode: Number((s?.status as Loose)?.code ?? 0),
          encoding,
        });
      }
    }
  }
  return out;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests = { protobuf: 0, json: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks);
      const type = req.headers["content-type"] ?? "";
      try {
        if (type.includes("application/x-protobuf")) {
          requests.protobuf++;
          // toObject keeps only the fields that were set (a oneof's unset members read as defaults otherwise).
          const message = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
            longs: String,
          });
          spans.push(...flatten(message, "protobuf"));
          res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
        } else if (type.includes("application/json")) {
          requests.json++;
          spans.push(...flatten(JSON.parse(body.toString("utf8")) as Loose, "json"));
          res.writeHead(200, { "content-type": "application/json" }).end("{}");
        } else res.writeHead(415).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    async waitFor(pick, timeoutMs = 15_000, what = "spans") {
      const until = Date.now() + timeoutMs;
      while (!pick(spans)) {
        if (Date.now() > until)
          throw new Error(
            `timed out waiting for ${what}; received: ${spans.map((s) => `${s.service}:${s.name}`).join(", ")}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
