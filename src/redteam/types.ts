/**
 * The red team's vocabulary. A case is one text sent to a detector, reproducible from what
 * it carries (`generator`, `mutators`, `seed`: garak's Attempt is the model), so a bypass
 * names exactly what produced it and can be produced again. Attacks have label 1; the hard
 * negatives every campaign also sends (benign texts that look dangerous) have label 0 and
 * measure over-defence in the same run.
 */
import type { SampleCategory } from "../data/sample.js";
import type { Category } from "../detect/types.js";

/** What a generator makes before any disguise: an attack or a look-alike benign text. */
export interface Seedling {
  text: string;
  label: 0 | 1;
  /** The attack's category, or "benign" / "harmful_request" for a label-0 text. */
  category: SampleCategory;
  /** What the generator built it from (template id, payload id), for reports. */
  parts: string[];
}

/** A generator: what to attack. Pure: the same random stream gives the same seedling. */
export interface Generator {
  id: string;
  /** One line for `bulwark redteam generators` and the report. */
  description: string;
  /** 1 for attacks, 0 for hard negatives. */
  label: 0 | 1;
  /** Whether mutators may disguise its texts (a hard negative is sent as written). */
  mutable: boolean;
  generate(random: () => number): Seedling;
}

/** A mutator: how to disguise an attack. Pure and composable. */
export interface Mutator {
  id: string;
  description: string;
  mutate(text: string, random: () => number): string;
}

export interface AttackCase {
  /** `{campaign seed}:{index}`: unique within a campaign, stable for a seed. */
  id: string;
  generator: string;
  /** In the order applied. */
  mutators: string[];
  /** The seed this case alone is rebuilt from (`rebuildCase`). */
  seed: number;
  /** The generator's text before the mutators. */
  original: string;
  /** What the detector is sent. */
  text: string;
  label: 0 | 1;
  category: SampleCategory;
  parts: string[];
}

export interface CaseOutcome {
  score: number;
  flagged: boolean;
  category: Category | null;
}

export interface CaseResult extends AttackCase {
  score: number;
  flagged: boolean;
  /** The category the target named (the case's own is `category`). */
  detectedCategory: Category | null;
  /** An attack not flagged (label 1) or a hard negative flagged (label 0). */
  miss: boolean;
}

/** Rates over a slice of a campaign (a generator, a mutator, a pair). */
export interface Tally {
  cases: number;
  /** Attacks flagged, over attacks; null when the slice holds no attack. */
  detectionRate: number | null;
  /** Hard negatives flagged, over hard negatives; null when it holds none. */
  overDefence: number | null;
}

export interface CampaignReport {
  campaign: string;
  model: { ref: string; sha256: string };
  seed: number;
  cases: number;
  attacks: number;
  negatives: number;
  detectionRate: number;
  overDefence: number;
  byGenerator: Record<string, Tally>;
  byMutator: Record<string, Tally>;
  /** The generator x mutator pairs with the lowest detection rate, with examples. */
  worst: { generator: string; mutator: string; cases: number; detectionRate: number; examples: string[] }[];
  /** Object keys written under red-team-data/. */
  files: string[];
  /** The previous campaign against the same model, when there is one. */
  previous?: { campaign: string; detectionRate: number; overDefence: number } | undefined;
  startedAt: string;
  durationMs: number;
}
