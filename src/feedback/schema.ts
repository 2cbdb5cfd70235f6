/**
 * The payloads of a report and of a review, as TypeBox schemas: the HTTP route's body
 * schemas and, through `parseWith`, the check the command line applies to its options, so
 * a report is judged the same whichever way it arrives.
 */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_SAMPLE_CHARS } from "../data/sample.js";
import { CATEGORIES } from "../detect/types.js";
import { MAX_NOTE_CHARS, REQUEST_ID_PATTERN, REVIEW_DECISIONS } from "./types.js";

/**
 * The longest text a report may carry: what detection accepts, and never more than a
 * dataset row may hold, since an accepted report becomes one.
 */
export function maxFeedbackChars(maxTextChars: number): number {
  return Math.min(maxTextChars, MAX_SAMPLE_CHARS);
}

const CategorySchema = Type.Unsafe<(typeof CATEGORIES)[number]>({
  type: "string",
  enum: [...CATEGORIES],
  description: `The attack's category (label 1 only): ${CATEGORIES.join(", ")}`,
});

const Note = (description: string) => Type.String({ maxLength: MAX_NOTE_CHARS, description });

export function feedbackInputSchema(maxTextChars: number) {
  return Type.Object(
    {
      requestId: Type.String({
        pattern: REQUEST_ID_PATTERN,
        description: "The id the detection answered with (its X-Request-Id header)",
      }),
      label: Type.Union([Type.Literal(0), Type.Literal(1)], {
        description: '0: "benign, but you flagged it" (a false positive); 1: "an attack you missed"',
      }),
      text: Type.String({
        minLength: 1,
        maxLength: maxFeedbackChars(maxTextChars),
        description: "The text that was screened: Bulwark does not keep the texts it screens",
      }),
      category: Type.Optional(CategorySchema),
      note: Type.Optional(Note("Why the verdict was wrong, for the reviewer")),
    },
    { additionalProperties: false },
  );
}
export type FeedbackInputBody = Static<ReturnType<typeof feedbackInputSchema>>;

export const ReviewInputSchema = Type.Object(
  {
    decision: Type.Unsafe<(typeof REVIEW_DECISIONS)[number]>({
      type: "string",
      enum: [...REVIEW_DECISIONS],
      description: "accepted: the report joins the next learning cycle's data; rejected: it does not",
    }),
    note: Type.Optional(Note("Why, for the reporter and the audit trail")),
    category: Type.Optional(CategorySchema),
  },
  { additionalProperties: false },
);
export type ReviewInputBody = Static<typeof ReviewInputSchema>;
