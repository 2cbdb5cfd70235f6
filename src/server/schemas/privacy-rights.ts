/** Retention reports, erasure receipts and subject exports as the API returns them, tied to retention/types.ts. */
import { Type } from "@sinclair/typebox";
import type {
  ErasureReceipt as ErasureReceiptType,
  ProtectedVersion as ProtectedVersionType,
  RetentionKindReport as RetentionKindReportType,
  RetentionReport as RetentionReportType,
  SubjectExport as SubjectExportType,
} from "../../retention/types.js";
import { describes, Nullable, OpenMap, StringEnum } from "./shape.js";

const Count = (description?: string) => Type.Integer({ minimum: 0, ...(description ? { description } : {}) });

export const ProtectedVersion = describes<ProtectedVersionType>()(
  Type.Object({
    key: Type.String(),
    versionId: Type.String(),
    mode: Nullable(StringEnum(["GOVERNANCE", "COMPLIANCE"] as const)),
    retainUntil: Nullable(Type.String()),
    legalHold: Type.Boolean(),
    reason: Type.String({
      description: 'Why it was kept, e.g. "COMPLIANCE retention until 2030-01-01T00:00:00.000Z"',
    }),
  }),
);

const KindReport = describes<RetentionKindReportType>()(
  Type.Object({
    days: Count("The limit, in days (0: kept until erased)"),
    cutoff: Nullable(Type.String({ description: "What is older than this was due" })),
    deleted: Count("Rows or object versions deleted (a dry run: due)"),
    protected: Count("Object versions due but kept by Object Lock"),
  }),
);

export const RetentionReport = describes<RetentionReportType>()(
  Type.Object({
    dryRun: Type.Boolean(),
    at: Type.String(),
    kinds: Type.Object({
      events: KindReport,
      feedback: KindReport,
      redteam: KindReport,
      datasets: KindReport,
      logs: KindReport,
    }),
    shadow: KindReport,
    protectedVersions: Type.Array(ProtectedVersion, { description: "At most 100" }),
  }),
);

const Found = Type.Object({ found: Count(), removed: Count() });

export const ErasureReceipt = describes<ErasureReceiptType>()(
  Type.Object({
    id: Type.String(),
    subject: Type.String({ description: "The subject's keyed hash (never the id given)" }),
    at: Type.String(),
    by: Type.String(),
    events: Found,
    feedback: Found,
    shadow: Found,
    derived: Type.Object({
      rows: Count("Rows of the subject's over every object version read"),
      objects: Type.Array(Type.String(), { description: "Keys of the objects that held them" }),
      versions: Type.Object({ found: Count(), removed: Count(), rewritten: Count(), protected: Count() }),
    }),
    protected: Type.Array(ProtectedVersion, {
      description: "Versions Object Lock keeps: erased when it ends",
    }),
    datasets: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), version: Type.Integer() })),
    learningData: Type.Array(Type.String()),
    models: Type.Array(Type.String(), { description: "Model versions marked retrain_required" }),
    complete: Type.Boolean({ description: "False when Object Lock kept some versions" }),
  }),
);

const Text = Type.String();
const NullableText = Nullable(Type.String());

const StoredEvent = Type.Object({
  id: Text,
  at: Text,
  actor: Text,
  subject: NullableText,
  route: Text,
  request_id: Text,
  flagged: Type.Integer(),
  score: Type.Number(),
  category: NullableText,
  evidence: Type.String({ description: "JSON: the verdict's evidence ids, as stored" }),
  model: Text,
  latency_ms: Type.Number(),
  text_length: Type.Integer(),
  text_mode: Text,
  text: NullableText,
  pii: Type.String({ description: "JSON: {type: count} of the personal data found, as stored" }),
  lang: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: "ISO 639 code of the text's language, or null" }),
  ),
});

const StoredReport = Type.Object({
  id: Text,
  request_id: Text,
  reporter: Text,
  reporter_name: Text,
  label: Type.Integer(),
  category: NullableText,
  text: Type.String({ description: "As kept: redacted" }),
  text_sha256: Text,
  text_length: Type.Integer(),
  note: NullableText,
  status: Text,
  reviewer: NullableText,
  review_note: NullableText,
  reviewed_at: NullableText,
  used_by: NullableText,
  created_at: Text,
  subject: NullableText,
});

const StoredShadow = Type.Object({
  id: Text,
  at: Text,
  request_id: Text,
  actor: Text,
  subject: NullableText,
  route: Text,
  text_length: Type.Integer(),
  production_model: Text,
  production_flagged: Type.Integer(),
  production_score: Type.Number(),
  production_category: NullableText,
  shadow_model: Text,
  shadow_flagged: Type.Integer(),
  shadow_score: Type.Number(),
  shadow_category: NullableText,
  shadow_latency_ms: Type.Number(),
  text_mode: Text,
  text: Type.Union([Type.String(), Type.Null()], {
    description: "Only where the two models disagreed, as kept (redacted by default)",
  }),
});

export const SubjectExport = describes<SubjectExportType>()(
  Type.Object(
    {
      subject: Type.String(),
      at: Type.String(),
      events: Type.Array(StoredEvent, { description: "Detection events, as stored" }),
      feedback: Type.Array(StoredReport, { description: "Feedback reports, as stored" }),
      shadow: Type.Array(StoredShadow, { description: "Shadow model comparisons, as stored" }),
      derived: Type.Array(
        Type.Object({
          key: Type.String(),
          versionId: Type.String(),
          row: OpenMap("A row of a stored JSONL object (learning data, a dataset) as it is there"),
        }),
      ),
      datasets: Type.Array(
        Type.Object({ id: Type.String(), name: Type.String(), version: Type.Integer(), rows: Count() }),
      ),
    },
    { title: "SubjectExport" },
  ),
);

export const SubjectBody = Type.Object(
  {
    subject: Type.String({
      minLength: 1,
      maxLength: 256,
      description: "The end user's id, as given with their data (it is hashed; the hash is what is kept)",
    }),
    async: Type.Optional(
      Type.Boolean({
        description: "Queue a privacy.erasure job (202) instead of answering with the receipt",
      }),
    ),
  },
  { additionalProperties: false },
);

export const RetentionBody = Type.Object(
  { dryRun: Type.Optional(Type.Boolean({ description: "Count what is due without deleting it" })) },
  { additionalProperties: false },
);

export const SubjectParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
