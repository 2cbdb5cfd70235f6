/** The model registry's answers, tied to their types in `registry/types.ts`. */
import { Type } from "@sinclair/typebox";
import type { SnapshotResult } from "../../registry/snapshot.js";
import {
  STAGES,
  type CompanionFile as CompanionFileType,
  type ModelVersion as ModelVersionType,
  type StageChange as StageChangeType,
  type StageEvent as StageEventType,
  type VerifyResult,
} from "../../registry/types.js";
import { DatasetLineage } from "./datasets.js";
import { describes, Nullable, OpenMap, refTo, StringEnum } from "./shape.js";

export const CompanionFile = describes<CompanionFileType>()(
  Type.Object({
    file: Type.String({ description: "Its file name, as the format declares it, e.g. tokenizer.json" }),
    key: Type.String(),
    sha256: Type.String({ description: "Hex SHA-256 recorded at registration" }),
    size: Type.Integer(),
    versionId: Nullable(Type.String()),
  }),
);

export const Stage = StringEnum(STAGES, { description: "none, staging, production or archived" });

const versionFields = {
  id: Type.String(),
  name: Type.String({ description: "The model's name, e.g. builtin" }),
  version: Type.String({ description: "Semantic version, e.g. 1.2.0" }),
  ref: Type.String({ description: "name@version" }),
  family: Type.String({ description: "The trainer family that produced it, e.g. builtin" }),
  format: Type.String({ description: "The artifact's format (see registry/model-formats.ts)" }),
  stage: Stage,
  sha256: Type.String({ description: "Hex SHA-256 of the artifact, checked on every load" }),
  size: Type.Integer({ description: "Bytes of the artifact" }),
  artifactKey: Type.String(),
  manifestKey: Type.String(),
  artifactVersionId: Nullable(Type.String()),
  companions: Type.Array(CompanionFile, {
    description:
      "Files the format keeps beside the artifact (a tokenizer, a configuration), each checked on load",
  }),
  parentVersion: Nullable(Type.String({ description: "The production version it was trained to replace" })),
  runId: Nullable(Type.String({ description: "The training run that made it" })),
  datasets: Type.Array(DatasetLineage, { description: "The datasets it was trained on" }),
  params: OpenMap("Training parameters, as the trainer took them"),
  metrics: OpenMap("Metrics on the validation split (validation: precision, recall, f1, ...; rows)"),
  description: Nullable(Type.String()),
  createdAt: Type.String(),
  createdBy: Type.String(),
  stageChangedAt: Nullable(Type.String()),
  stageChangedBy: Nullable(Type.String()),
  retrainRequired: Type.Boolean({
    description: "Data it was trained on was erased for a data subject: train it again without that data",
  }),
  retrainReason: Nullable(Type.String({ description: "Which erasure marked it, and why" })),
};

export const ModelVersion = describes<ModelVersionType>()(
  Type.Object(versionFields, { $id: "ModelVersion", title: "ModelVersion", description: "A model version" }),
);
export const ModelVersionRef = refTo(ModelVersion);

export const StageEvent = describes<StageEventType>()(
  Type.Object(
    {
      id: Type.String(),
      name: Type.String(),
      version: Type.String(),
      from: Stage,
      to: Stage,
      action: Type.String({ description: "promote, archive or rollback" }),
      actor: Type.String(),
      reason: Nullable(Type.String()),
      at: Type.String(),
      snapshotKey: Nullable(Type.String({ description: "The registry snapshot written for this change" })),
      snapshotLocked: Nullable(Type.Boolean({ description: "The snapshot is under Object Lock" })),
    },
    { $id: "StageEvent", title: "StageEvent", description: "One stage change of a model version" },
  ),
);
export const StageEventRef = refTo(StageEvent);

/** GET /v1/models/:ref: a version with its own stage changes. */
export const ModelVersionDetail = Type.Object(
  {
    ...versionFields,
    history: Type.Array(StageEventRef, { description: "Its stage changes, newest first" }),
  },
  { title: "ModelVersionDetail", description: "A model version with its stage history" },
);

const Snapshot = describes<SnapshotResult>()(
  Type.Object(
    {
      key: Type.String(),
      versionId: Type.String(),
      sha256: Type.String(),
      locked: Type.Boolean({ description: "False on a bucket without Object Lock" }),
      retainUntil: Type.Optional(Type.String()),
      mode: Type.Optional(Type.String()),
    },
    { description: "The registry snapshot written for a production change" },
  ),
);

export const StageChange = describes<StageChangeType>()(
  Type.Object({
    version: ModelVersionRef,
    demoted: Type.Optional(ModelVersionRef),
    event: Nullable(StageEventRef, { description: "Null when the stage did not change" }),
    snapshot: Type.Optional(Snapshot),
    snapshotError: Type.Optional(
      Type.String({ description: "The snapshot could not be written (the stage change itself stands)" }),
    ),
  }),
);

const Check = describes<VerifyResult>()(
  Type.Object({
    ref: Type.String(),
    name: Type.String(),
    version: Type.String(),
    stage: Stage,
    ok: Type.Boolean(),
    expected: Type.String({ description: "The SHA-256 recorded at registration" }),
    actual: Nullable(Type.String({ description: "The SHA-256 of the artifact now (null: unreadable)" })),
    size: Nullable(Type.Integer()),
    problem: Type.Optional(Type.String({ description: "What is wrong, when not ok" })),
  }),
);

export const ModelVerify = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer(),
  failed: Type.Integer(),
  results: Type.Array(Check),
});
