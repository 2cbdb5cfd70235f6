/**
 * The learning loop's vocabulary: a cycle takes the champion (the production model), runs
 * a red-team campaign against it, combines what it missed with the champion's training
 * data, trains a challenger, evaluates both on the same fixed suites and promotes the
 * challenger only when the rule holds. One record travels the cycle and is stored whole, so
 * a decision can always be traced to its figures, its campaign and the files it trained on.
 */
import type { DatasetLineage } from "../data/dataset-record.js";
import type { Sample } from "../data/sample.js";
import type { ModelFigures, PromotionRule, RuleCheck } from "./rule.js";

export type CycleStatus = "running" | "succeeded" | "failed";
export type CycleDecision = "promoted" | "rejected";

/**
 * Which of the campaign's cases join the challenger's data. "failures": the attacks the
 * champion missed and the hard negatives it flagged. "failures+negatives" (the default):
 * those and every hard negative of the campaign, so the look-alike benign texts weigh
 * against the new attacks (with failures alone, measured, the false-positive rate on the
 * hard negatives rose from 0.10 to 0.25; BENCHMARKS.md). "all": every case.
 */
export const CAMPAIGN_ROWS = ["failures", "failures+negatives", "all"] as const;
export type CampaignRows = (typeof CAMPAIGN_ROWS)[number];

/** The steps of a cycle, in order, as progress reports name them. */
export const CYCLE_PHASES = ["champion", "campaign", "combine", "train", "evaluate", "decide"] as const;
export type CyclePhase = (typeof CYCLE_PHASES)[number];

export interface CycleProgress {
  phase: CyclePhase;
  /** Within the phase, 0..1. */
  fraction: number;
  message: string;
}

/**
 * Samples from outside the campaign joining the cycle's data (accepted user reports):
 * their ids go into the manifest, and `usedBy` is told the cycle once it has decided.
 */
export interface ExtraSamples {
  ids: string[];
  samples: Sample[];
  /**
   * What a stored row made from a sample carries besides its fields, as its `meta`: for a
   * report, `{feedback_id, subject}`, so erasure finds every row derived from a person's data.
   */
  rowMeta?: (sample: Sample) => Record<string, unknown> | undefined;
  usedBy(cycleId: string): Promise<void>;
}

/** A model as the cycle names it. */
export interface ModelRefSummary {
  ref: string;
  sha256: string;
}

export interface CampaignSummary {
  campaign: string;
  seed: number;
  cases: number;
  attacks: number;
  negatives: number;
  detectionRate: number;
  overDefence: number;
  /** Attacks the champion did not flag. */
  bypasses: number;
  /** Hard negatives the champion flagged. */
  overDefended: number;
  /** Objects written under red-team-data/. */
  files: string[];
  durationMs: number;
}

/** A suite both models were evaluated on. */
export interface SuiteSummary {
  name: string;
  description: string;
  rows: number;
  attacks: number;
  benign: number;
}

export interface CycleFigures {
  suites: SuiteSummary[];
  champion: ModelFigures;
  challenger: ModelFigures;
  checks: RuleCheck[];
  /** How the validation suite was made leak-free (rows of the champion's held-out split removed). */
  validation: ValidationLeakReport;
}

export interface ValidationLeakReport {
  /** The champion's held-out rows (its own split of its own data). */
  heldOut: number;
  /** Of those, texts the champion trained on elsewhere in its data (a near-copy in another group). */
  trainedByChampion: number;
  /** Of those, texts the challenger's split puts on its training side. */
  trainedByChallenger: number;
  /** Rows left: neither model trained on any of them. */
  rows: number;
}

/** What the cycle wrote and what went into it. */
export interface CycleData {
  combined: { key: string; manifestKey: string; sha256: string; rows: number };
  /** model-specific/{model}/{cycle}/{generator}.jsonl, one per failure type. */
  modelSpecific: string[];
  counts: CombineCounts;
  /** The datasets the champion trained on, as its lineage names them. */
  baseDatasets: DatasetLineage[];
  extraIds: string[];
}

export interface CombineCounts {
  baseRows: number;
  /** Rows of the campaign offered (which ones: CampaignRows). */
  campaignRows: number;
  extraRows: number;
  /** Rows dropped because an earlier row had the same text (after normalisation). */
  duplicates: number;
  /** Of those, duplicates whose label disagreed with the row kept. */
  conflicts: number;
  /** Rows dropped because their text is in the frozen red-team suite. */
  frozen: number;
  /** Added rows dropped because their text is in the validation split or another evaluation suite. */
  evaluation: number;
  rows: number;
}

/** What a cycle was asked, as recorded (the seed is the one used, drawn when none was given). */
export interface CycleRequestRecord {
  cases: number;
  seed: number;
  campaignRows: CampaignRows;
  generators?: string[];
  mutators?: string[];
  /** Data named instead of the champion's own. */
  data?: string[];
  /** Sources held out one at a time (leave-one-source-out), when asked. */
  leaveOneSourceOut?: string[];
  /** How it was started: "cli", "job", "schedule", "library"... */
  trigger: string;
}

export interface CycleRecord {
  id: string;
  model: string;
  status: CycleStatus;
  champion: ModelRefSummary | null;
  challenger: ModelRefSummary | null;
  decision: CycleDecision | null;
  reason: string | null;
  rule: PromotionRule;
  figures: CycleFigures | null;
  campaign: CampaignSummary | null;
  data: CycleData | null;
  /** Milliseconds per phase, and in total. */
  timings: Record<string, number> | null;
  options: CycleRequestRecord;
  error: string | null;
  scheduledFor: string | null;
  jobId: string | null;
  startedAt: string;
  finishedAt: string | null;
  createdBy: string;
}
