/**
 * One place where anything thrown becomes the error envelope: Bulwark's typed errors keep
 * their status and code, fastify's own (validation, body too large, bad JSON, wrong media
 * type) get stable codes, and everything else is a 500 whose details stay in the log.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { isBulwarkError } from "../core/errors.js";
import { isDatabaseUnreachable } from "../db/errors.js";
import { errorBody } from "./replies.js";

const FASTIFY_CODES: Record<string, { code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: "BODY_TOO_LARGE",
    message: "the request body is larger than this route accepts",
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: "UNSUPPORTED_MEDIA_TYPE",
    message: "send the body as application/json",
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: "INVALID_JSON",
    message: "the body is empty but its content type is JSON",
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "INVALID_JSON", message: "the body is not valid JSON" },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: "INVALID_BODY",
    message: "Content-Length does not match the body",
  },
  FST_ERR_CTP_INVALID_TYPE: { code: "INVALID_BODY", message: "the Content-Type header is not valid" },
  FST_ERR_BAD_URL: { code: "BAD_URL", message: "the URL is not valid" },
  FST_ERR_ASYNC_CONSTRAINT: { code: "BAD_REQUEST" },
};

function codeForStatus(status: number): string {
  if (status === 401) return "UNAUTHENTICATED";
  if (status === 403) return "FORBIDDEN";
  if (status === 404) return "NOT_FOUND";
  if (status === 405) return "METHOD_NOT_ALLOWED";
  if (status === 406) return "NOT_ACCEPTABLE";
  if (status === 413) return "BODY_TOO_LARGE";
  if (status === 415) return "UNSUPPORTED_MEDIA_TYPE";
  if (status === 429) return "RATE_LIMITED";
  return "BAD_REQUEST";
}

/**
 * A dependency that is down, recognised from its client's error: a 503 with a stable code
 * (and Retry-After) at once, so callers and load balancers can tell an outage from a bug.
 */
function dependencyDown(err: Error): { code: string; message: string } | undefined {
  if (isDatabaseUnreachable(err))
    return { code: "DATABASE_UNAVAILABLE", message: "the database is unavailable; try again shortly" };
  // ioredis: out of retries, offline queue disabled while reconnecting, connection closed.
  if (
    err.name === "MaxRetriesPerRequestError" ||
    /enableOfflineQueue|^Connection is closed|^Reached the max retries per request/.test(err.message)
  )
    return { code: "REDIS_UNAVAILABLE", message: "Redis is unavailable; try again shortly" };
  return undefined;
}

export function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details?: unknown,
): FastifyReply {
  return reply.code(status).send(errorBody(code, message, reply.request.id, details));
}

/**
 * Broken HTTP (no valid request line, headers too large, a body without framing) never
 * reaches routing; it still gets the error envelope, then the connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const [status, code, message] =
    err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "REQUEST_TIMEOUT", "the request took too long to arrive"]
      : err.code === "HPE_HEADER_OVERFLOW"
        ? [431, "HEADERS_TOO_LARGE", "the request headers are too large"]
        : [400, "BAD_REQUEST", "the request is not valid HTTP"];
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isBulwarkError(err)) {
      const retryAfter = err.details?.retryAfterSeconds;
      // A refusal for load (503 DETECTION_BUSY) says when to come back.
      if (typeof retryAfter === "number") void reply.header("retry-after", String(retryAfter));
      else if (err.status >= 500) request.log.error({ err }, "request failed");
      return sendError(reply, err.status, err.code, err.message, err.details);
    }
    if (err.validation) {
      const first = err.validation[0];
      const where = err.validationContext ?? "body";
      const path = first?.instancePath ? `${where}${first.instancePath.replace(/\//g, ".")}` : where;
      const message =
        first?.keyword === "additionalProperties"
          ? `${path} has an unknown field "${String((first.params as { additionalProperty?: string }).additionalProperty)}"`
          : `${path} ${first?.message ?? "is not valid"}`;
      return sendError(reply, 400, "VALIDATION_ERROR", message, {
        errors: err.validation
          .slice(0, 5)
          .map((v) => ({ path: v.instancePath, message: v.message, keyword: v.keyword })),
      });
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    const status = typeof err.statusCode === "number" ? err.statusCode : 500;
    if (known && status < 500) return sendError(reply, status, known.code, known.message ?? err.message);
    if (err instanceof SyntaxError || (status === 400 && /JSON/i.test(err.message))) {
      return sendError(reply, 400, "INVALID_JSON", "the body is not valid JSON");
    }
    if (status >= 400 && status < 500) return sendError(reply, status, codeForStatus(status), err.message);
    const down = dependencyDown(err);
    if (down) {
      request.log.warn({ err: err.message, code: down.code }, "a dependency is down");
      void reply.header("retry-after", "1");
      return sendError(reply, 503, down.code, down.message);
    }
    request.log.error({ err }, "unexpected error");
    return sendError(reply, 500, "INTERNAL_ERROR", "internal error: the details are in the server log");
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      404,
      "NOT_FOUND",
      `no route ${request.method} ${request.url.split("?")[0]!.slice(0, 200)}`,
    ),
  );
}
