/** Training runs and their comparison as the API returns them, tied to `train/runs.ts`. */
import { Type } from "@sinclair/typebox";
import type {
  MetricDiff as MetricDiffType,
  RunComparison as RunComparisonType,
  RunRecord,
  ValueDiff as ValueDiffType,
} from "../../train/runs.js";
import { DatasetLineage } from "./datasets.js";
import { describes, Nullable, OpenMap, refTo, StringEnum } from "./shape.js";

export const RUN_STATUSES = ["running", "succeeded", "failed"] as const;

export const Run = describes<RunRecord>()(
  Type.Object(
    {
      id: Type.String(),
      kind: Type.String({ description: "What the run did, e.g. train" }),
      status: StringEnum(RUN_STATUSES),
      modelName: Type.String(),
      family: Type.String({ description: "The trainer family, e.g. builtin" }),
      params: OpenMap("Training parameters, as the trainer took them"),
      datasets: Type.Array(DatasetLineage, { description: "What went in, with ids and SHA-256" }),
      metrics: Nullable(
        OpenMap(
          "What came out, on the validation split: validation (overall figures, threshold, categoryAccuracy, " +
            "and tables bySource and byCategory keyed by name) and rows. Null until the run succeeds",
        ),
      ),
      environment: OpenMap("Where it ran: Bulwark and Node versions, platform, CPUs, memory, host"),
      durationMs: Nullable(Type.Integer()),
      artifactSha256: Nullable(Type.String({ description: "SHA-256 of the model artifact it produced" })),
      modelVersion: Nullable(Type.String({ description: "The model version it registered" })),
      error: Nullable(Type.String({ description: "Why it failed" })),
      startedAt: Type.String(),
      finishedAt: Nullable(Type.String()),
      createdBy: Type.String(),
    },
    { $id: "Run", title: "Run", description: "A training run: what went in, what came out, where it ran" },
  ),
);
export const RunRef = refTo(Run);

const MetricDiff = describes<MetricDiffType>()(
  Type.Object({
    key: Type.String({ description: "The metric, nested keys dotted" }),
    a: Nullable(Type.Number()),
    b: Nullable(Type.Number()),
    delta: Nullable(Type.Number({ description: "b - a" })),
  }),
);

/**
 * A parameter set in one run only has `undefined` on the other side: optional here, since
 * the serialiser refuses a required field that is undefined (JSON has no undefined).
 */
const ValueDiff = Type.Unsafe<ValueDiffType>(
  Type.Object(
    {
      key: Type.String({ description: "The parameter, nested keys dotted" }),
      a: Type.Optional(Type.Unknown({ description: "Its value in run a (absent when unset there)" })),
      b: Type.Optional(Type.Unknown({ description: "Its value in run b (absent when unset there)" })),
    },
    { title: "ValueDiff" },
  ),
);

const Lineages = Type.Array(DatasetLineage);

export const RunComparison = describes<RunComparisonType>()(
  Type.Object({
    a: RunRef,
    b: RunRef,
    params: Type.Array(ValueDiff, { description: "Parameters that differ" }),
    metrics: Type.Array(MetricDiff, { description: "Every numeric overall validation metric of either run" }),
    datasets: Type.Object({ shared: Lineages, onlyA: Lineages, onlyB: Lineages }),
    durationMs: MetricDiff,
  }),
);
