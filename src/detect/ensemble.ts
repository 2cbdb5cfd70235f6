/**
 * The ensemble: a loop over detectors, combined one of three ways.
 * - `max` (the default): the highest score decides the verdict (its evidence, category and
 *   windows), and the text is flagged when any member flags it at its own threshold, so
 *   adding a detector can only catch more.
 * - `mean` and `weighted`: the score is the (weighted) mean of the members' calibrated
 *   scores (each a probability: the built-in model's Platt-scaled, a transformer's
 *   softmax), flagged at the ensemble's own threshold; a confident member outvotes an
 *   unsure one instead of every member's false alarms adding up.
 * When every member answers at once the ensemble does too, so the built-in model alone
 * stays on the synchronous hot path; a member that must wait makes the answer a promise.
 */
import { BulwarkError } from "../core/errors.js";
import type { DetectOptions, Detector, ModelRef, Verdict } from "./types.js";

export class UnknownDetectorError extends BulwarkError {
  constructor(name: string, available: readonly string[]) {
    super("UNKNOWN_DETECTOR", `unknown detector "${name}" (available: ${available.join(", ")})`, 400);
  }
}

export const COMBINERS = ["max", "mean", "weighted"] as const;
export type Combine = (typeof COMBINERS)[number];

export interface EnsembleOptions {
  /** How member scores become one (default max). */
  combine?: Combine;
  /** One positive weight per member, for `weighted` (`mean` weighs all alike). */
  weights?: readonly number[];
  /** The combined score's threshold for mean and weighted (default: the members' thresholds, weighted alike). */
  threshold?: number;
  /** The registry version this ensemble is, when it is one; else the first member's model. */
  model?: ModelRef;
}

interface Judged {
  name: string;
  verdict: Verdict;
  weight: number;
}

/** Worst score decides; flagged when any member flagged; each member's score listed. */
export function combineVerdicts(judged: readonly Judged[], model?: ModelRef): Verdict {
  if (judged.length === 1) return judged[0]!.verdict;
  const worst = judged.reduce((a, b) => (b.verdict.score > a.verdict.score ? b : a));
  const flagged = judged.some((j) => j.verdict.flagged);
  const category =
    worst.verdict.category ??
    (flagged ? (judged.find((j) => j.verdict.flagged)!.verdict.category ?? null) : null);
  return {
    ...worst.verdict,
    flagged,
    category,
    ...(model ? { model } : {}),
    latencyMs: judged.reduce((n, j) => n + j.verdict.latencyMs, 0),
    detectors: members(judged),
  };
}

/** The weighted mean of the members' scores, flagged at `threshold`; evidence from every member. */
export function averageVerdicts(judged: readonly Judged[], threshold: number, model?: ModelRef): Verdict {
  const total = judged.reduce((n, j) => n + j.weight, 0);
  const score = judged.reduce((n, j) => n + j.weight * j.verdict.score, 0) / total;
  const worst = judged.reduce((a, b) => (b.verdict.score > a.verdict.score ? b : a));
  const flagged = score >= threshold;
  const named = judged.filter((j) => j.verdict.category !== null);
  const category =
    flagged && named.length > 0
      ? named.reduce((a, b) => (b.verdict.score > a.verdict.score ? b : a)).verdict.category
      : null;
  return {
    score,
    flagged,
    category,
    threshold,
    evidence: judged.flatMap((j) => j.verdict.evidence),
    windows: worst.verdict.windows,
    model: model ?? worst.verdict.model,
    latencyMs: judged.reduce((n, j) => n + j.verdict.latencyMs, 0),
    detectors: members(judged),
  };
}

function members(judged: readonly Judged[]): NonNullable<Verdict["detectors"]> {
  return judged.map((j) => ({ name: j.name, score: j.verdict.score, flagged: j.verdict.flagged }));
}

export class Ensemble implements Detector {
  readonly name: string;
  readonly combine: Combine;
  /** One per member (all 1 unless weighted). */
  readonly weights: readonly number[];
  private readonly options: EnsembleOptions;

  constructor(
    readonly members: readonly Detector[],
    options: EnsembleOptions = {},
  ) {
    if (members.length === 0) throw new RangeError("an ensemble needs at least one detector");
    const names = new Set<string>();
    for (const m of members) {
      if (names.has(m.name)) throw new RangeError(`two detectors of the ensemble are named "${m.name}"`);
      names.add(m.name);
    }
    this.combine = options.combine ?? "max";
    const weights = this.combine === "weighted" ? options.weights : undefined;
    if (weights && (weights.length !== members.length || !weights.every((w) => Number.isFinite(w) && w > 0)))
      throw new RangeError(
        `an ensemble of ${members.length} detectors needs ${members.length} positive weights`,
      );
    this.weights = weights ?? members.map(() => 1);
    this.options = options;
    this.name = members.map((m) => m.name).join("+");
  }

  /** The registry version this ensemble is, else its first member's model (the one served as production). */
  get model(): ModelRef {
    return this.options.model ?? this.members[0]!.model;
  }

  get threshold(): number {
    if (this.combine === "max") return this.members[0]!.threshold;
    return this.options.threshold ?? this.weightedMean(this.members.map((m) => m.threshold));
  }

  get window(): { size: number; stride: number } {
    return this.members[0]!.window;
  }

  get names(): string[] {
    return this.members.map((m) => m.name);
  }

  /** The members a request asked for, in the ensemble's order; all when none are named. */
  select(names: readonly string[] | undefined): Ensemble {
    if (!names || names.length === 0) return this;
    for (const n of names) if (!this.names.includes(n)) throw new UnknownDetectorError(n, this.names);
    if (names.length === this.members.length) return this;
    const keep = this.members.flatMap((m, i) => (names.includes(m.name) ? [i] : []));
    return new Ensemble(
      keep.map((i) => this.members[i]!),
      { ...this.options, weights: keep.map((i) => this.weights[i]!) },
    );
  }

  detect(text: string, options: DetectOptions = {}): Verdict | Promise<Verdict> {
    if (this.members.length === 1) return this.members[0]!.detect(text, options);
    // Averaged, the request's threshold is for the combined score: members judge at their own.
    const { threshold, ...rest } = options;
    const memberOptions = this.combine === "max" ? options : rest;
    const answers = this.members.map((m) => m.detect(text, memberOptions));
    const combined = (verdicts: Verdict[]) => this.combined(verdicts, threshold);
    if (answers.every((a): a is Verdict => !(a instanceof Promise))) return combined(answers);
    return Promise.all(answers).then(combined);
  }

  private combined(verdicts: Verdict[], threshold: number | undefined): Verdict {
    const judged = verdicts.map((verdict, i) => ({
      name: this.members[i]!.name,
      verdict,
      weight: this.weights[i]!,
    }));
    if (this.combine === "max") return combineVerdicts(judged, this.options.model);
    return averageVerdicts(judged, threshold ?? this.threshold, this.options.model);
  }

  private weightedMean(values: readonly number[]): number {
    const total = this.weights.reduce((a, b) => a + b, 0);
    return values.reduce((n, v, i) => n + v * this.weights[i]!, 0) / total;
  }
}

/** `detector` under another name (an ensemble names its members by their registry names). */
export function named(detector: Detector, name: string): Detector {
  if (detector.name === name) return detector;
  return {
    name,
    get model() {
      return detector.model;
    },
    get threshold() {
      return detector.threshold;
    },
    get window() {
      return detector.window;
    },
    detect: (text, options) => detector.detect(text, options),
  };
}
