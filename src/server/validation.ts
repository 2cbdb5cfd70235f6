/**
 * Validation without surprises. Bodies are checked exactly as sent: no type coercion
 * (`{"text": 5}` is refused, not turned into "5"), no silent removal of unknown fields
 * (schemas say `additionalProperties: false` where it matters, and that means refusal).
 * Query strings and path parameters are text by nature, so there numbers and booleans
 * are coerced from their text form.
 *
 * String lengths are counted in UTF-16 code units (`unicode: false`, JavaScript's
 * `.length`: an emoji counts two), not code points: counting code points walks every
 * character, which for a batch of seven 1 MB texts held the request thread for 50-70 ms.
 */
import AjvCompiler from "@fastify/ajv-compiler";
import type { FastifyInstance, FastifySchema, FastifySchemaValidationError } from "fastify";
import { DeferredBody } from "./body/deferred.js";

/**
 * Ajv still honours `unicode: false` but warns that the option is deprecated, once per
 * compiler: that line would open every server and worker start. Other warnings pass.
 */
const quietLogger = {
  log: () => undefined,
  warn: (...args: unknown[]) => {
    if (!String(args[0]).includes("option unicode")) console.warn(...args);
  },
  error: (...args: unknown[]) => console.error(...args),
};

const COMMON = {
  useDefaults: true,
  removeAdditional: false as const,
  allErrors: false,
  strict: false,
  unicode: false,
  logger: quietLogger,
};

type Validate = ((data: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null };

/** Compiles a body schema exactly as the server validates bodies (also used by detection workers). */
export function bodyValidatorCompiler(): (schema: FastifySchema, url: string) => Validate {
  const compile = AjvCompiler()({}, { customOptions: { ...COMMON, coerceTypes: false } });
  return (schema, url) => compile({ schema, method: "POST", url, httpPart: "body" }) as Validate;
}

export function installValidators(app: FastifyInstance): void {
  const factory = AjvCompiler();
  const body = factory({}, { customOptions: { ...COMMON, coerceTypes: false } });
  const text = factory({}, { customOptions: { ...COMMON, coerceTypes: "array" } });
  app.setValidatorCompiler((route) => {
    if (route.httpPart !== "body") return text(route);
    const inner = body(route) as Validate;
    // A deferred body is validated by the detection worker that parses it, with this schema.
    const validate: Validate = (data) => {
      if (data instanceof DeferredBody) return true;
      const valid = inner(data);
      validate.errors = inner.errors;
      return valid;
    };
    return validate;
  });
}
