/** Datasets as the API returns them, tied to `DatasetRecord` and its parts in `data/`. */
import { Type } from "@sinclair/typebox";
import type { DatasetLineage as DatasetLineageType, DatasetRecord } from "../../data/dataset-record.js";
import type { DatasetCounts as DatasetCountsType, DatasetOrigin } from "../../data/manifest.js";
import {
  PERSONAL_DATA,
  type DatasetPrivacy as DatasetPrivacyType,
  type PiiTally,
} from "../../data/privacy.js";
import { REDACTION_MODES } from "../../privacy/index.js";
import { describes, Nullable, OpenMap, refTo, StringEnum } from "./shape.js";

/** What a model version or a training run records about each dataset it used. */
export const DatasetLineage = describes<DatasetLineageType>()(
  Type.Object({
    id: Nullable(Type.String()),
    name: Type.String(),
    version: Nullable(Type.Integer(), { description: "Null for the bundled corpus" }),
    sha256: Type.String(),
    rows: Type.Integer(),
  }),
);

const Tally = (what: string) =>
  Type.Record(Type.String(), Type.Integer(), { description: `Rows by ${what}, largest first` });

const DatasetCounts = describes<DatasetCountsType>()(
  Type.Object({
    rows: Type.Integer(),
    label: Tally('label ("0" benign, "1" attack)'),
    category: Tally("category"),
    lang: Tally("language"),
    source: Tally("source"),
  }),
);

const Origin = describes<DatasetOrigin>()(
  Type.Object(
    {
      kind: StringEnum(["import", "merge"] as const),
      sources: Type.Array(
        Type.Object({
          kind: StringEnum(["file", "url", "s3", "dataset", "bundled"] as const),
          location: Type.String({
            description: "Path, URL (without credentials), s3://bucket/key, or dataset reference",
          }),
          format: Type.Optional(StringEnum(["jsonl", "envelope"] as const)),
          sha256: Type.Optional(Type.String()),
          bytes: Type.Optional(Type.Integer()),
          rows: Type.Integer(),
          invalid: Type.Integer({ description: "Rows refused as invalid" }),
          envelope: Type.Optional(OpenMap("An envelope's metadata, as it arrived")),
          details: Type.Optional(OpenMap("HTTP status, attempts, filters, object version...")),
        }),
      ),
      rule: Type.Optional(Type.String({ description: "For a merge: the rule used for conflicting labels" })),
    },
    { description: "Where the rows came from" },
  ),
);

const Pii = describes<PiiTally>()(
  Type.Object(
    {
      rows: Type.Integer({ description: "Rows with at least one finding" }),
      byType: Tally("kind of personal data (email, card...); counts only, never values"),
      emptied: Type.Optional(
        Type.Integer({ description: "Rows redaction (mode remove) left without text, not stored" }),
      ),
    },
    { description: "What the import's scan (or redaction) found; absent when the rows were never scanned" },
  ),
);

export const DatasetPrivacy = describes<DatasetPrivacyType>()(
  Type.Object(
    {
      personalData: StringEnum(PERSONAL_DATA, {
        description:
          "none (declared, and the scan found none), redacted (on import), present, or unknown (not declared, or older than the question)",
      }),
      legalBasis: Nullable(Type.String(), {
        description:
          "A GDPR Art. 6 basis (consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests) or free text",
      }),
      purpose: Nullable(Type.String({ description: "Why the rows are kept" })),
      redactionMode: Type.Optional(StringEnum(REDACTION_MODES)),
      pii: Type.Optional(Pii),
      subjects: Type.Optional(
        Type.Integer({ description: "Rows naming their end user, kept as keyed hashes (sub_...)" }),
      ),
    },
    { description: "Personal data in the rows, and why they are kept" },
  ),
);

export const Dataset = describes<DatasetRecord>()(
  Type.Object(
    {
      id: Type.String(),
      name: Type.String(),
      version: Type.Integer({ description: "0 for the bundled corpus" }),
      ref: Type.String({ description: "name@version, how people refer to it" }),
      key: Type.String({ description: "The JSONL object in the store" }),
      manifestKey: Type.String({ description: "The manifest stored beside it" }),
      sha256: Type.String(),
      size: Type.Integer({ description: "Bytes" }),
      rows: Type.Integer(),
      skippedRows: Type.Integer(),
      counts: DatasetCounts,
      origin: Origin,
      details: OpenMap("Merge report, envelope metadata, or anything else its creator kept"),
      privacy: DatasetPrivacy,
      createdAt: Type.String(),
      createdBy: Type.String(),
      attachments: Type.Record(Type.String(), Type.String(), {
        description: "Objects stored with the dataset (e.g. a merge's conflict report): name to key",
      }),
    },
    { $id: "Dataset", title: "Dataset", description: "One dataset version" },
  ),
);
export const DatasetRef = refTo(Dataset);

export const DatasetStats = Type.Object({
  ref: Type.String(),
  sha256: Type.String(),
  rows: Type.Integer(),
  counts: DatasetCounts,
});

export const Upload = Type.Object({
  key: Type.String({ description: "Where the file was stored" }),
  source: Type.String({ description: "Give it to POST /v1/datasets/import as a source" }),
  size: Type.Integer({ description: "Bytes" }),
  sha256: Type.String(),
});
