/**
 * One schema per payload: a TypeBox schema is the HTTP route's body schema (checked by
 * Fastify's Ajv), the OpenAPI document's description, the TypeScript type (`Static<>`)
 * and, through `parseWith`, the check a job or a command applies when the payload did not
 * come through a route (a queued job replayed by a worker, a CLI option, a library call).
 */
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ValidationError } from "./errors.js";

/** Returns `value` typed by `schema`, or throws a ValidationError naming the first bad field. */
export function parseWith<T extends TSchema>(schema: T, value: unknown, what = "payload"): Static<T> {
  if (Value.Check(schema, value)) return value;
  const first = Value.Errors(schema, value).First();
  const path = first?.path ? first.path.slice(1).replace(/\//g, ".") : "";
  const where = path ? `${what}.${path}` : what;
  throw new ValidationError(`${where}: ${first ? describe(first.message, first.schema) : "is not valid"}`);
}

/** TypeBox says "Expected number to be less or equal to 100"; the range itself is clearer. */
function describe(message: string, schema: TSchema): string {
  const range: string[] = [];
  if (typeof schema.minimum === "number") range.push(`>= ${schema.minimum}`);
  if (typeof schema.exclusiveMinimum === "number") range.push(`> ${schema.exclusiveMinimum}`);
  if (typeof schema.maximum === "number") range.push(`<= ${schema.maximum}`);
  if (typeof schema.exclusiveMaximum === "number") range.push(`< ${schema.exclusiveMaximum}`);
  if (range.length === 0) return message.charAt(0).toLowerCase() + message.slice(1);
  const kind = schema.type === "integer" ? "a whole number" : "a number";
  return `must be ${kind} ${range.join(" and ")}`;
}
