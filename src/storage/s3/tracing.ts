/**
 * A span per S3 command (when tracing is on and a traced request or job is running): an AWS
 * SDK middleware at the initialize step, so one span covers the command with its retries.
 * It names the command and the bucket, and the object key (keys are Bulwark's own layout,
 * never content); bodies, metadata and credentials are never read.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import {
  context,
  liveParent,
  SpanKind,
  SpanStatusCode,
  trace,
  tracer,
  tracingEnabled,
} from "../../core/tracing.js";

interface CommandInput {
  Bucket?: unknown;
  Key?: unknown;
}

/** Adds the tracing middleware to `client` when tracing is on (nothing is added otherwise). */
export function traceS3(client: S3Client): void {
  if (!tracingEnabled()) return;
  client.middlewareStack.add(
    (next, handlerContext) => async (args) => {
      if (!liveParent()) return next(args);
      const command =
        (handlerContext as { commandName?: string }).commandName?.replace(/Command$/, "") ?? "S3";
      const input = args.input as CommandInput;
      const span = tracer().startSpan(`S3.${command}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          "rpc.system": "aws-api",
          "rpc.service": "S3",
          "rpc.method": command,
          ...(typeof input.Bucket === "string" ? { "aws.s3.bucket": input.Bucket } : {}),
          ...(typeof input.Key === "string" ? { "aws.s3.key": input.Key } : {}),
        },
      });
      try {
        const out = await context.with(trace.setSpan(context.active(), span), () => next(args));
        const status = (out.output as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status !== undefined) span.setAttribute("http.response.status_code", status);
        return out;
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        const status = e.$metadata?.httpStatusCode;
        if (status !== undefined) span.setAttribute("http.response.status_code", status);
        span.setAttribute("error.type", e.name ?? "Error");
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    },
    { step: "initialize", name: "bulwarkTracing", override: true },
  );
}
