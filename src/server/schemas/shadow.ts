/** Shadow models as the API takes and returns them, tied to analytics/shadow (types.ts, queries.ts). */
import { Type } from "@sinclair/typebox";
import type {
  ShadowExample as ShadowExampleType,
  ShadowReport as ShadowReportType,
  ShadowSetting as ShadowSettingType,
  ShadowStatus as ShadowStatusType,
} from "../../analytics/shadow/index.js";
import { describes, Nullable, StringEnum } from "./shape.js";

const Count = (description?: string) => Type.Integer({ minimum: 0, ...(description ? { description } : {}) });
const Share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });
const Counts = (description: string) => Type.Record(Type.String(), Count(), { description });

export const ShadowBody = Type.Object(
  {
    model: Type.String({
      pattern: "^[a-z0-9][a-z0-9._-]{0,63}$",
      description: "A model name in the registry",
    }),
    version: Type.String({ minLength: 5, maxLength: 64, description: "An exact version, e.g. 1.2.0" }),
    sample: Type.Optional(Share("The share of screened texts the shadow model scores (default 0.1)")),
  },
  { additionalProperties: false },
);

const ShadowSetting = describes<ShadowSettingType>()(
  Type.Object({
    model: Type.String(),
    version: Type.String(),
    sample: Share("The share of screened texts scored"),
    source: StringEnum(["api", "env"] as const, {
      description: "api: stored with PUT /v1/shadow (wins); env: BULWARK_SHADOW, when nothing is stored",
    }),
    updatedAt: Nullable(Type.String()),
    updatedBy: Nullable(Type.String()),
  }),
);

export const ShadowStatus = describes<ShadowStatusType>()(
  Type.Object({
    setting: Nullable(ShadowSetting),
    active: Nullable(Type.String({ description: "name@version this server scores with now" })),
    error: Nullable(Type.String({ description: "Why this server could not load the setting's version" })),
    queued: Count("Sampled texts waiting in this server"),
  }),
);

export const ShadowQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        format: "date-time",
        description: "At or after this time (default: 24 hours before `to`)",
      }),
    ),
    to: Type.Optional(Type.String({ format: "date-time", description: "Before this time (default: now)" })),
  },
  { additionalProperties: false },
);

const Example = describes<ShadowExampleType>()(
  Type.Object({
    at: Type.String(),
    requestId: Type.String(),
    route: Type.String(),
    productionScore: Type.Number(),
    shadowScore: Type.Number(),
    category: Nullable(Type.String({ description: "The flagging model's category" })),
    textLength: Count(),
    text: Nullable(Type.String({ description: "As kept (BULWARK_EVENTS_TEXT): redacted by default" })),
  }),
);

const Flagged = Type.Object({ flagged: Count(), flaggedRate: Share("flagged / compared") });
const PerDirection = <T extends Parameters<typeof Type.Object>[0][string]>(of: T) =>
  Type.Object({ shadowFlags: of, productionFlags: of });

export const ShadowReport = describes<ShadowReportType>()(
  Type.Object({
    from: Type.String(),
    to: Type.String(),
    compared: Count("Texts both models scored"),
    agreed: Count(),
    agreementRate: Share("agreed / compared"),
    production: Flagged,
    shadow: Flagged,
    models: Type.Object({
      production: Counts("Comparisons by production name@version"),
      shadow: Counts("Comparisons by shadow name@version"),
    }),
    disagreements: PerDirection(Count()),
    byCategory: PerDirection(Counts("Disagreements by the flagging model's category (none: no category)")),
    examples: PerDirection(Type.Array(Example, { description: "The 10 latest" })),
    shadowLatency: Type.Object(
      { p50: Nullable(Type.Number()), p95: Nullable(Type.Number()) },
      { description: "Shadow scoring time in ms (nearest rank)" },
    ),
    reports: Type.Object(
      {
        reported: Count("Sampled texts users reported (not rejected), one text per request"),
        productionRight: Count(),
        shadowRight: Count(),
        bothRight: Count(),
        neitherRight: Count(),
      },
      { description: "For reported texts, which model judged them as the report says" },
    ),
  }),
);
