/** Schemas of POST /v1/privacy/redact: the text and how to redact it, and what was found. */
import { Type } from "@sinclair/typebox";
import { PII_TYPES, REDACTION_MODES, type PiiFinding } from "../../privacy/index.js";
import { describes, StringEnum } from "./shape.js";

export const PiiFindingSchema = describes<PiiFinding>()(
  Type.Object({
    type: StringEnum(PII_TYPES),
    detector: Type.String({ description: 'Which rule found it, e.g. "iban.mod97", "secret.prefix"' }),
    start: Type.Integer({ minimum: 0, description: "Start in the submitted text (UTF-16 code units)" }),
    end: Type.Integer({ minimum: 0, description: "End (exclusive) in the submitted text" }),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
  }),
);

export function privacySchemas(limits: { maxTextChars: number }) {
  const RedactBody = Type.Object(
    {
      text: Type.String({ minLength: 1, maxLength: limits.maxTextChars, description: "The text to redact" }),
      mode: Type.Optional(
        StringEnum(REDACTION_MODES, {
          description:
            "mask: [EMAIL]; hash: [EMAIL:<keyed hash>], stable per deployment key; remove: cut out (default mask)",
        }),
      ),
      types: Type.Optional(
        Type.Array(StringEnum(PII_TYPES), {
          minItems: 1,
          uniqueItems: true,
          description: "Only these kinds (default: every kind)",
        }),
      ),
    },
    {
      additionalProperties: false,
      examples: [{ text: "Mail me at bob@example.com or call +44 20 7946 0958", mode: "mask" }],
    },
  );
  const Redacted = Type.Object({
    text: Type.String({ description: "The text with every finding replaced" }),
    findings: Type.Array(PiiFindingSchema, {
      description: "What was found, with spans in the submitted text",
    }),
    mode: StringEnum(REDACTION_MODES),
  });
  return { RedactBody, Redacted };
}
