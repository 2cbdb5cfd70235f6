/** Response shapes of /v1/redteam: a campaign's summary and its full report. */
import { Type } from "@sinclair/typebox";

const Rate = Type.Union([Type.Number(), Type.Null()]);
const Tally = Type.Object({ cases: Type.Integer(), detectionRate: Rate, overDefence: Rate });
const Tallies = Type.Record(Type.String(), Tally);

export const CampaignSummary = Type.Object(
  {
    campaign: Type.String(),
    model: Type.Object({ ref: Type.String(), sha256: Type.String() }),
    seed: Type.Integer(),
    cases: Type.Integer(),
    attacks: Type.Integer(),
    negatives: Type.Integer(),
    detectionRate: Type.Number({ description: "attacks flagged / attacks" }),
    overDefence: Type.Number({ description: "hard negatives flagged / hard negatives" }),
    startedAt: Type.String(),
    durationMs: Type.Number(),
    files: Type.Array(Type.String(), { description: "object keys under red-team-data/" }),
    previous: Type.Optional(
      Type.Object({ campaign: Type.String(), detectionRate: Type.Number(), overDefence: Type.Number() }),
    ),
  },
  { $id: "CampaignSummary" },
);

export const CampaignReport = Type.Composite(
  [
    Type.Omit(CampaignSummary, []),
    Type.Object({
      byGenerator: Tallies,
      byMutator: Tallies,
      worst: Type.Array(
        Type.Object({
          generator: Type.String(),
          mutator: Type.String(),
          cases: Type.Integer(),
          detectionRate: Type.Number(),
          examples: Type.Array(Type.String()),
        }),
      ),
    }),
  ],
  { $id: "CampaignReport" },
);

export const RedTeamCatalogue = Type.Object({
  generators: Type.Array(
    Type.Object({
      id: Type.String(),
      label: Type.Integer({ description: "1: attacks, 0: hard negatives" }),
      mutable: Type.Boolean(),
      description: Type.String(),
    }),
  ),
  mutators: Type.Array(Type.Object({ id: Type.String(), description: Type.String() })),
});
