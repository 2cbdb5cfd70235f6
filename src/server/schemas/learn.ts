/** Learning cycles as the API returns them, tied to `learn/types.ts`. */
import { Type } from "@sinclair/typebox";
import {
  PromotionRuleSchema,
  type RuleCheck as RuleCheckType,
  type SuiteFigures as SuiteFiguresType,
} from "../../learn/rule.js";
import {
  CAMPAIGN_ROWS,
  type CampaignSummary as CampaignSummaryType,
  type CombineCounts as CombineCountsType,
  type CycleData as CycleDataType,
  type CycleFigures as CycleFiguresType,
  type CycleRecord,
  type CycleRequestRecord,
  type ModelRefSummary,
  type SuiteSummary as SuiteSummaryType,
  type ValidationLeakReport as ValidationLeakReportType,
} from "../../learn/types.js";
import { DatasetLineage } from "./datasets.js";
import { describes, Nullable, refTo, StringEnum } from "./shape.js";

const Rate = (description: string) => Nullable(Type.Number({ description }));

const SuiteFigures = describes<SuiteFiguresType>()(
  Type.Object({
    n: Type.Integer(),
    attacks: Type.Integer(),
    benign: Type.Integer(),
    recall: Rate("Attacks flagged, over attacks; null without attacks"),
    fpr: Rate("Benign texts flagged, over benign texts; null without benign texts"),
  }),
);

const ModelFigures = Type.Record(Type.String(), SuiteFigures, {
  description: "How the model did, by suite (validation, frozen, hard-negatives)",
});

const RuleCheck = describes<RuleCheckType>()(
  Type.Object({
    suite: Type.String(),
    metric: StringEnum(["recall", "fpr"] as const),
    requirement: Type.String({ description: 'e.g. "higher", "not lower", "not higher (+0.01)"' }),
    champion: Nullable(Type.Number()),
    challenger: Nullable(Type.Number()),
    passed: Type.Boolean(),
  }),
);

const SuiteSummary = describes<SuiteSummaryType>()(
  Type.Object({
    name: Type.String(),
    description: Type.String(),
    rows: Type.Integer(),
    attacks: Type.Integer(),
    benign: Type.Integer(),
  }),
);

const ValidationLeakReport = describes<ValidationLeakReportType>()(
  Type.Object({
    heldOut: Type.Integer({ description: "Rows the champion held out of its own training" }),
    trainedByChampion: Type.Integer({ description: "Of those, texts it trained on under another group" }),
    trainedByChallenger: Type.Integer({ description: "Of those, texts the challenger's split trains on" }),
    rows: Type.Integer({ description: "Rows left: neither model trained on any of them" }),
  }),
);

const CycleFigures = describes<CycleFiguresType>()(
  Type.Object({
    suites: Type.Array(SuiteSummary),
    champion: ModelFigures,
    challenger: ModelFigures,
    checks: Type.Array(RuleCheck, { description: "Each comparison the rule made" }),
    validation: ValidationLeakReport,
  }),
);

const CombineCounts = describes<CombineCountsType>()(
  Type.Object({
    baseRows: Type.Integer({ description: "Rows of the champion's training data" }),
    campaignRows: Type.Integer({ description: "Rows the campaign offered" }),
    extraRows: Type.Integer({ description: "Rows offered from elsewhere (user reports)" }),
    duplicates: Type.Integer({ description: "Added rows dropped: their text was there already" }),
    conflicts: Type.Integer({ description: "Of those, with the other label" }),
    frozen: Type.Integer({ description: "Rows dropped: their text is in the frozen red-team suite" }),
    evaluation: Type.Integer({ description: "Added rows dropped: their text is in an evaluation suite" }),
    rows: Type.Integer(),
  }),
);

const CycleData = describes<CycleDataType>()(
  Type.Object({
    combined: Type.Object({
      key: Type.String({ description: "combined-data/{model}/{cycle}.jsonl" }),
      manifestKey: Type.String(),
      sha256: Type.String(),
      rows: Type.Integer(),
    }),
    modelSpecific: Type.Array(Type.String(), {
      description: "model-specific/{model}/{cycle}/{generator}.jsonl",
    }),
    counts: CombineCounts,
    baseDatasets: Type.Array(DatasetLineage, { description: "What the champion's training data was" }),
    extraIds: Type.Array(Type.String(), { description: "Ids of the extra rows offered (user reports)" }),
  }),
);

const CycleRequest = describes<CycleRequestRecord>()(
  Type.Object({
    cases: Type.Integer(),
    seed: Type.Integer({ description: "The campaign's seed, drawn at random when none was given" }),
    campaignRows: StringEnum(CAMPAIGN_ROWS),
    generators: Type.Optional(Type.Array(Type.String())),
    mutators: Type.Optional(Type.Array(Type.String())),
    data: Type.Optional(
      Type.Array(Type.String(), { description: "Data named instead of the champion's own" }),
    ),
    leaveOneSourceOut: Type.Optional(
      Type.Array(Type.String(), { description: "Sources held out one at a time (suites loso-{source})" }),
    ),
    trigger: Type.String({ description: "How it was started: cli, job, schedule, library" }),
  }),
);

const ModelRef = describes<ModelRefSummary>()(
  Type.Object({ ref: Type.String({ description: "name@version" }), sha256: Type.String() }),
);

const CampaignSummary = describes<CampaignSummaryType>()(
  Type.Object({
    campaign: Type.String({ description: "The campaign's id (rt-...): its files are under red-team-data/" }),
    seed: Type.Integer(),
    cases: Type.Integer(),
    attacks: Type.Integer(),
    negatives: Type.Integer({ description: "Hard negatives: benign texts that look dangerous" }),
    detectionRate: Type.Number({ description: "Attacks the champion flagged, over attacks" }),
    overDefence: Type.Number({ description: "Hard negatives the champion flagged, over hard negatives" }),
    bypasses: Type.Integer({ description: "Attacks the champion missed: they join the challenger's data" }),
    overDefended: Type.Integer({
      description: "Hard negatives the champion flagged: they join it as benign",
    }),
    files: Type.Array(Type.String(), { description: "Objects written under red-team-data/" }),
    durationMs: Type.Integer(),
  }),
);

export const LearnCycle = describes<CycleRecord>()(
  Type.Object(
    {
      id: Type.String(),
      model: Type.String({ description: "The model whose production version was the champion" }),
      status: StringEnum(["running", "succeeded", "failed"] as const),
      champion: Nullable(ModelRef),
      challenger: Nullable(ModelRef),
      decision: Nullable(StringEnum(["promoted", "rejected"] as const)),
      reason: Nullable(Type.String({ description: "Why it was promoted or rejected, with the figures" })),
      rule: PromotionRuleSchema,
      figures: Nullable(CycleFigures),
      campaign: Nullable(CampaignSummary),
      data: Nullable(CycleData),
      timings: Nullable(Type.Record(Type.String(), Type.Number(), { description: "Milliseconds per phase" })),
      options: CycleRequest,
      error: Nullable(Type.String({ description: "Why it failed" })),
      scheduledFor: Nullable(Type.String({ description: "The cron tick of a scheduled cycle" })),
      jobId: Nullable(Type.String()),
      startedAt: Type.String(),
      finishedAt: Nullable(Type.String()),
      createdBy: Type.String(),
    },
    {
      $id: "LearnCycle",
      title: "LearnCycle",
      description: "A learning cycle: champion, challenger, the decision and the figures behind it",
    },
  ),
);
export const LearnCycleRef = refTo(LearnCycle);
