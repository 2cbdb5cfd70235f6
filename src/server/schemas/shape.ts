/**
 * Small tools that keep a response schema and the domain type it describes as one thing.
 * fast-json-stringify writes only what the schema declares, so a field the domain gains
 * and the schema lacks would vanish from answers without a word: `describes` makes that a
 * build error instead.
 */
import { Type, type SchemaOptions, type Static, type TSchema, type TUnsafe } from "@sinclair/typebox";

/** True when A and B are the same type: same fields, same optionality, same field types. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

type Mismatch<S, T> = {
  "the schema does not describe the type exactly": {
    missingInSchema: Exclude<keyof T, keyof S>;
    notInType: Exclude<keyof S, keyof T>;
  };
};

/**
 * `describes<DomainType>()(schema)` returns the schema, and compiles only when the
 * values it describes are exactly `DomainType`.
 */
export function describes<T>() {
  return <S extends TSchema>(
    schema: S & (Same<Static<S>, T> extends true ? unknown : Mismatch<Static<S>, T>),
  ): S => schema;
}

/** A reference to a schema the app registers by `$id` (see `sharedSchemas`), typed as it. */
export function refTo<S extends TSchema>(schema: S, options?: SchemaOptions): TUnsafe<Static<S>> {
  if (!schema.$id) throw new Error("refTo needs a schema with an $id");
  return Type.Unsafe<Static<S>>(Type.Ref(schema.$id, options));
}

export function Nullable<S extends TSchema>(schema: S, options?: SchemaOptions) {
  return Type.Union([schema, Type.Null()], options);
}

/**
 * A string from a fixed list. Written as `type: string` with an `enum`, so the document
 * lists the values while the serialiser writes whatever the domain holds.
 */
export function StringEnum<T extends string>(values: readonly T[], options?: SchemaOptions): TUnsafe<T> {
  return Type.Unsafe<T>({ ...options, type: "string", enum: [...values] });
}

/** A JSON object whose keys are open (parameters, metric tables, notes): say what it holds. */
export function OpenMap(description: string) {
  return Type.Record(Type.String(), Type.Unknown(), { description });
}

/**
 * Responses of a route that sends a file instead of the JSON envelope: the media types it
 * may have, documented as bytes (a stream is sent as it is, never serialised), and the
 * error envelope for the rest.
 */
export function fileResponses(description: string, mediaTypes: readonly string[]) {
  const bytes = { schema: { type: "string", format: "binary" } };
  const error = Type.Ref("ErrorEnvelope");
  return {
    200: { description, content: Object.fromEntries(mediaTypes.map((m) => [m, bytes])) },
    "4xx": error,
    "5xx": error,
  };
}
