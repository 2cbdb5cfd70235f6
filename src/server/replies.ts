/**
 * The response envelope of every route: `{status: "success", data, timestamp}` or
 * `{status: "error", error, code, timestamp}`. Schemas here drive fast-json-stringify,
 * the OpenAPI document and the types handlers return.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";

export const ErrorEnvelope = Type.Object(
  {
    status: Type.Literal("error"),
    error: Type.String({ description: "What was wrong and what to do" }),
    code: Type.String({ description: "Stable machine code, e.g. VALIDATION_ERROR, UNAUTHENTICATED" }),
    timestamp: Type.String({ format: "date-time" }),
    requestId: Type.Optional(Type.String()),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: "ErrorEnvelope", title: "Error" },
);
export type ErrorBody = Static<typeof ErrorEnvelope>;

export function Envelope<T extends TSchema>(data: T) {
  return Type.Object({
    status: Type.Literal("success"),
    data,
    timestamp: Type.String({ format: "date-time" }),
  });
}

export interface Success<T> {
  status: "success";
  data: T;
  timestamp: string;
}

export function ok<T>(data: T): Success<T> {
  return { status: "success", data, timestamp: new Date().toISOString() };
}

export function errorBody(code: string, error: string, requestId?: string, details?: unknown): ErrorBody {
  return {
    status: "error",
    error,
    code,
    timestamp: new Date().toISOString(),
    ...(requestId ? { requestId } : {}),
    ...(details !== undefined ? { details } : {}),
  };
}

const errorRef = Type.Ref("ErrorEnvelope");

/** Response schemas of a route: its success payload, and the error envelope for the rest. */
export function responses<T extends TSchema>(data: T, status = 200) {
  return { [status]: Envelope(data), "4xx": errorRef, "5xx": errorRef };
}
