/**
 * The payloads of a report and of a review, as TypeBox schemas: the HTTP route's body
 * schemas and, through `parseWith`, the check the command line applies to its options, so
 * a report is judged the same whichever way it arrives.
 */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_SAMPLE_CHARS } from "../data/sample.js";
import { CATEGORIES } from "../detect/types.js";
import { MAX_NOTE_CHARS, MAX_SUBJECT_CHARS, REQUEST_ID_PATTERN, REVIEW_DECISIONS } from "./types.js";

/**
 * The longest text a report may carry: what detection accepts, and never more than a
 * dataset row may hold, since an accepted report becomes one.
 */
export function maxFeedbackChars(maxTextChars: number): number {
  return Math.min(maxTextChars, MAX_SAMPLE_CHARS);
}

/**
 * One of a few values, as a union of literals that TypeBox's own check (parseWith) knows,
 * with the same values as an `enum`, which Ajv checks first and reports as "must be equal
 * to one of the allowed values" rather than the first literal's "must be equal to constant".
 */
function OneOf<T extends string | number>(values: readonly T[], description: string) {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    { enum: [...values], description },
  );
}

const CategorySchema = OneOf(CATEGORIES, `The attack's category (label 1 only): ${CATEGORIES.join(", ")}`);

const Note = (description: string) => Type.String({ maxLength: MAX_NOTE_CHARS, description });

export function feedbackInputSchema(maxTextChars: number) {
  return Type.Object(
    {
      requestId: Type.String({
        pattern: REQUEST_ID_PATTERN,
        description: "The id the detection answered with (its X-Request-Id header)",
      }),
      label: OneOf(
        [0, 1] as const,
        '0: "benign, but you flagged it" (a false positive); 1: "an attack you missed"',
      ),
      text: Type.String({
        minLength: 1,
        maxLength: maxFeedbackChars(maxTextChars),
        description: "The text that was screened: Bulwark does not keep the texts it screens",
      }),
      category: Type.Optional(CategorySchema),
      note: Type.Optional(Note("Why the verdict was wrong, for the reviewer")),
      subject: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: MAX_SUBJECT_CHARS,
          description:
            "The end user the text came from (your id for them; also as the X-Bulwark-Subject header): kept only as a keyed hash, so their data can be found for access and erasure",
        }),
      ),
    },
    { additionalProperties: false },
  );
}
export type FeedbackInputBody = Static<ReturnType<typeof feedbackInputSchema>>;

export const ReviewInputSchema = Type.Object(
  {
    decision: OneOf(
      REVIEW_DECISIONS,
      "accepted: the report joins the next learning cycle's data; rejected: it does not",
    ),
    note: Type.Optional(Note("Why, for the reporter and the audit trail")),
    category: Type.Optional(CategorySchema),
  },
  { additionalProperties: false },
);
export type ReviewInputBody = Static<typeof ReviewInputSchema>;
