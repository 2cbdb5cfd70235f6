/** Schemas of users' reports as the API returns them, and of the listing's query. */
import { Type } from "@sinclair/typebox";
import { CATEGORIES } from "../../detect/types.js";
import { MAX_LIST_LIMIT } from "../../feedback/store.js";
import {
  FEEDBACK_STATUSES,
  type FeedbackReport as FeedbackReportType,
  type FeedbackSummary as FeedbackSummaryType,
} from "../../feedback/types.js";
import { describes, Nullable, StringEnum } from "./shape.js";

const summaryFields = {
  id: Type.String(),
  requestId: Type.String(),
  reporter: Type.String({ description: "The API key or user id that filed it, or the CLI actor" }),
  reporterName: Type.String({ description: 'How the reporter appears: "key:chat-frontend", "user:alice"' }),
  label: Type.Union([Type.Literal(0), Type.Literal(1)]),
  category: Nullable(StringEnum(CATEGORIES)),
  textSha256: Type.String({ description: "Hex SHA-256 of the text as kept (UTF-8, after redaction)" }),
  textLength: Type.Integer({ description: "Of the text as kept, in UTF-16 code units" }),
  preview: Type.String({ description: "The text's first characters" }),
  note: Nullable(Type.String()),
  status: StringEnum(FEEDBACK_STATUSES),
  reviewer: Nullable(Type.String()),
  reviewNote: Nullable(Type.String()),
  reviewedAt: Nullable(Type.String()),
  usedBy: Nullable(Type.String({ description: "The learning cycle or run that trained on it" })),
  createdAt: Type.String(),
};

export const FeedbackSummary = describes<FeedbackSummaryType>()(Type.Object(summaryFields));
export const FeedbackReport = describes<FeedbackReportType>()(
  Type.Object({ ...summaryFields, text: Type.String() }),
);

export const FeedbackList = Type.Object({
  reports: Type.Array(FeedbackSummary),
  next: Nullable(Type.String({ description: "Pass as `after` for the next page; null on the last" })),
});

export const FeedbackQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(FEEDBACK_STATUSES)),
    label: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })),
    after: Type.Optional(Type.String({ maxLength: 200, description: "Reports after this id" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIST_LIMIT })),
  },
  { additionalProperties: false },
);
