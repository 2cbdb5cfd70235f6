/**
 * The ensemble: a loop over detectors. Every member judges the text; the highest score
 * decides the verdict (its evidence, category and windows), and the text is flagged when
 * any member flags it at its own threshold, so adding a detector can only catch more.
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

interface Judged {
  name: string;
  verdict: Verdict;
}

/** Worst score decides; flagged when any member flagged; each member's score listed. */
export function combineVerdicts(judged: readonly Judged[]): Verdict {
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
    latencyMs: judged.reduce((n, j) => n + j.verdict.latencyMs, 0),
    detectors: judged.map((j) => ({ name: j.name, score: j.verdict.score, flagged: j.verdict.flagged })),
  };
}

export class Ensemble implements Detector {
  readonly name: string;

  constructor(readonly members: readonly Detector[]) {
    if (members.length === 0) throw new RangeError("an ensemble needs at least one detector");
    const names = new Set<string>();
    for (const m of members) {
      if (names.has(m.name)) throw new RangeError(`two detectors of the ensemble are named "${m.name}"`);
      names.add(m.name);
    }
    this.name = members.map((m) => m.name).join("+");
  }

  /** The first member's model: the one the registry serves as production. */
  get model(): ModelRef {
    return this.members[0]!.model;
  }

  get threshold(): number {
    return this.members[0]!.threshold;
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
    return new Ensemble(this.members.filter((m) => names.includes(m.name)));
  }

  detect(text: string, options: DetectOptions = {}): Verdict | Promise<Verdict> {
    if (this.members.length === 1) return this.members[0]!.detect(text, options);
    const answers = this.members.map((m) => m.detect(text, options));
    if (answers.every((a): a is Verdict => !(a instanceof Promise)))
      return combineVerdicts(answers.map((verdict, i) => ({ name: this.members[i]!.name, verdict })));
    return Promise.all(answers).then((verdicts) =>
      combineVerdicts(verdicts.map((verdict, i) => ({ name: this.members[i]!.name, verdict }))),
    );
  }
}
