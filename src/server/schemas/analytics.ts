/** Analytics queries and answers as the API takes and returns them, tied to analytics/aggregates.ts. */
import { Type } from "@sinclair/typebox";
import {
  BUCKETS,
  GROUP_BY,
  METRICS,
  type Summary as SummaryType,
  type TimeseriesPoint as TimeseriesPointType,
} from "../../analytics/aggregates.js";
import { REPORT_FORMATS } from "../../analytics/report/formats.js";
import type {
  BusinessMetrics as BusinessMetricsType,
  SummaryWithBusiness as SummaryWithBusinessType,
} from "../../analytics/business.js";
import { describes, Nullable, StringEnum } from "./shape.js";

const Instant = (description: string) => Type.String({ format: "date-time", description });
const Counts = (description: string) =>
  Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description });
const Ms = Nullable(Type.Number({ minimum: 0 }));

const range = {
  from: Type.Optional(
    Instant("Events at or after this time, widened to its UTC hour (default: 24 hours before `to`)"),
  ),
  to: Type.Optional(Instant("Events before this time, widened to the next UTC hour (default: now)")),
};

export const SummaryQuery = Type.Object(range, { additionalProperties: false });

export const ReportQuery = Type.Object(
  {
    format: StringEnum(REPORT_FORMATS, {
      description: "md: Markdown, charts as data: URIs; html: one page, charts inline",
    }),
    from: Type.Optional(Instant("Events at or after this time (default: 7 days before `to`)")),
    to: Type.Optional(Instant("Events before this time (default: now)")),
  },
  { additionalProperties: false },
);

export const TimeseriesQuery = Type.Object(
  {
    metric: StringEnum(METRICS, { description: "What each point counts or measures" }),
    bucket: StringEnum(BUCKETS, { description: "UTC hours, days, or weeks starting on Monday" }),
    by: Type.Optional(StringEnum(GROUP_BY, { description: "One series per value of this column" })),
    ...range,
  },
  { additionalProperties: false },
);

export const Summary = describes<SummaryType>()(
  Type.Object({
    from: Type.String({ description: "The range covered: the one asked for, widened to whole UTC hours" }),
    to: Type.String(),
    requests: Type.Integer({ minimum: 0, description: "Screened texts (a batch counts each of its texts)" }),
    flagged: Type.Integer({ minimum: 0 }),
    flaggedRate: Type.Number({ minimum: 0, maximum: 1 }),
    answers: Type.Object(
      { requests: Type.Integer({ minimum: 0 }), flagged: Type.Integer({ minimum: 0 }) },
      { description: "Detection calls (a batch is one) and those whose answer held a flagged verdict" },
    ),
    byCategory: Counts("Events by verdict category (none: no category)"),
    byRoute: Counts("Events by route: detect, batch, scan"),
    byModel: Counts("Events by model name@version"),
    byLanguage: Counts("Events by the text's language (ISO 639; none: not identified)"),
    topKeys: Type.Array(
      Type.Object({
        key: Type.String({ description: "The API key's or user's id" }),
        name: Nullable(Type.String({ description: "key:<name> or user:<username>; null once deleted" })),
        requests: Type.Integer({ minimum: 0 }),
        flagged: Type.Integer({ minimum: 0 }),
      }),
      { description: "The 10 keys or users that sent most texts" },
    ),
    latency: Type.Object(
      {
        p50: Ms,
        p95: Ms,
        p99: Ms,
        under10msShare: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
      },
      {
        description:
          "Detection latency percentiles in ms, from a histogram of 40 bins a decade (at most 6% above " +
          "the exact value, never below), and the share of detections under 10 ms; null without events",
      },
    ),
    topEvidence: Type.Array(Type.Object({ id: Type.String(), count: Type.Integer({ minimum: 0 }) }), {
      description: "The 10 evidence ids found most often in flagged events",
    }),
    topTechniques: Type.Array(
      Type.Object({
        id: Type.String(),
        requests: Type.Integer({ minimum: 0 }),
        flagged: Type.Integer({ minimum: 0 }),
      }),
      {
        description:
          "The 10 obfuscation signals and payload decoders seen most often (obfuscation:…, payload:…)",
      },
    ),
  }),
);

export const TimeseriesPoint = describes<TimeseriesPointType>()(
  Type.Object({
    bucket_start: Type.String({ description: "The bucket's first instant (UTC)" }),
    value: Type.Number(),
    group: Type.Optional(Type.String()),
  }),
);

export const BusinessQuery = Type.Object(range, { additionalProperties: false });

const Share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });
const Count = (description: string) => Type.Integer({ minimum: 0, description });
const Rate = (description: string) => Nullable(Type.Number({ minimum: 0, description }));
const Hours = (description: string) => Nullable(Type.Number({ minimum: 0, description }));

export const BusinessMetrics = describes<BusinessMetricsType>()(
  Type.Object({
    from: Type.String(),
    to: Type.String(),
    screened: Count("Screened texts (a batch counts each of its texts)"),
    flagged: Count("Texts judged attacks, at the threshold each request used"),
    requests: Count("Detection requests (detect, batch and scan calls)"),
    flaggedRequests: Count("Requests whose answer held at least one flagged text"),
    attackRate: Share("flagged / screened: the share of screened texts judged attacks"),
    blockRate: Share(
      "flaggedRequests / requests: what a caller that refuses a request on any flag refused " +
        "(Bulwark answers, the caller blocks); equals attackRate when every request screens one text",
    ),
    falsePositive: Type.Object(
      {
        reports: Count("False-positive reports (label 0) filed in the range, not rejected"),
        accepted: Count("Of those, accepted by a reviewer"),
        rate: Rate("reports / flagged; null when nothing was flagged"),
        acceptedRate: Rate("accepted / flagged; null when nothing was flagged"),
      },
      { description: "Users' reports that a flagged text was benign" },
    ),
    missToFix: Type.Object(
      {
        reported: Count("Missed-attack reports (label 1) filed in the range, not rejected"),
        fixed: Count("Of those, the ones a model trained on them has reached production for, so far"),
        open: Count("reported - fixed"),
        meanHours: Hours("Mean hours from report to fix over the fixed ones; null when none is"),
        medianHours: Hours("Median hours from report to fix over the fixed ones; null when none is"),
      },
      {
        description:
          "A miss is fixed when the challenger of the learning cycle that trained on its report first " +
          "moves to production after the report",
      },
    ),
  }),
);

export const SummaryWithBusiness = describes<SummaryWithBusinessType>()(
  Type.Object({ ...Summary.properties, business: BusinessMetrics }),
);
