/** The drift report as the API returns it, tied to analytics/drift/report.ts. */
import { Type } from "@sinclair/typebox";
import { DRIFT_FEATURES, type DriftReport as DriftReportType } from "../../analytics/drift/index.js";
import { describes, Nullable, StringEnum } from "./shape.js";

const Instant = (description: string) => Type.String({ format: "date-time", description });

export const DriftQuery = Type.Object(
  {
    from: Type.Optional(Instant("Events at or after this time (default: 24 hours before `to`)")),
    to: Type.Optional(Instant("Events before this time (default: now)")),
  },
  { additionalProperties: false },
);

const Count = Type.Integer({ minimum: 0 });

export const DriftReport = describes<DriftReportType>()(
  Type.Object({
    from: Type.String(),
    to: Type.String(),
    model: Nullable(Type.String(), { description: "name@version of the production model; null without one" }),
    reference: Type.Union(
      [
        Type.Object({
          available: Type.Literal(true),
          source: StringEnum(["recorded", "computed"] as const, {
            description: "recorded with the version when trained, or computed now from its validation data",
          }),
          rows: Count,
        }),
        Type.Object({
          available: Type.Literal(false),
          reason: Type.String({ description: "Why there is no reference to compare with" }),
        }),
      ],
      { description: "The profile of the model's validation data" },
    ),
    live: Type.Object(
      {
        rows: Count,
        sampled: Type.Boolean({
          description: "The range held more events than maxRows; the most recent were read",
        }),
        maxRows: Count,
        withLanguage: Count,
      },
      { description: "The events of the production model in the range" },
    ),
    features: Type.Array(
      Type.Object({
        feature: StringEnum(DRIFT_FEATURES, {}),
        psi: Nullable(Type.Number({ minimum: 0 }), {
          description: "Population stability index; null when a side has fewer than 100 texts",
        }),
        level: StringEnum(["stable", "moderate", "major", "unknown"] as const, {
          description: "PSI below 0.1, 0.1 to 0.25, 0.25 and over, or no PSI",
        }),
        bins: Type.Array(Type.Object({ bin: Type.String(), reference: Count, live: Count })),
      }),
    ),
    maxPsi: Nullable(Type.Number({ minimum: 0 })),
  }),
);
