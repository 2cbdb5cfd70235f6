/**
 * Campaign cases from a seed. Two random streams keep a case reproducible on its own: the
 * campaign's stream decides which generator and mutators each case uses, and the case's own
 * seed drives the generator and each mutator, so `{generator, mutators, seed}` alone rebuild
 * the exact text (`replayCase`) whatever campaign it came from.
 */
import { mulberry32 } from "../core/random.js";
import { ValidationError } from "../core/errors.js";
import { hashString } from "../text/tokens.js";
import { generatorById, generators } from "./generators.js";
import { MUTATORS, mutatorById } from "./mutators.js";
import { pick } from "./template.js";
import type { AttackCase, Generator as Generator_, Mutator } from "./types.js";

export const MAX_CASES = 100_000;

export interface CaseOptions {
  seed: number;
  cases: number;
  /** Generator ids to draw from (default: all). Hard negatives are drawn from the label-0 ones. */
  generators?: readonly string[];
  /** Mutator ids to draw from (default: all; an empty list sends every attack undisguised). */
  mutators?: readonly string[];
  /** Share of the cases that are hard negatives (default 0.2; 0 when only attacks are named). */
  negativeShare?: number;
  /** Share of the attacks that get at least one mutator (default 0.6). */
  mutatedShare?: number;
}

/** Rebuilds one case from what it carries. */
export function replayCase(
  c: Pick<AttackCase, "generator" | "mutators" | "seed">,
): Pick<AttackCase, "original" | "text" | "label" | "category" | "parts"> {
  const generator = generatorById(c.generator);
  const seedling = generator.generate(mulberry32(c.seed));
  let text = seedling.text;
  for (const id of c.mutators)
    text = mutatorById(id).mutate(text, mulberry32(c.seed ^ hashString(id, 0x6d75)));
  return {
    original: seedling.text,
    text,
    label: seedling.label,
    category: seedling.category,
    parts: seedling.parts,
  };
}

export function generateCases(o: CaseOptions): AttackCase[] {
  return [...caseStream(o)];
}

/**
 * The cases one at a time, so a large campaign can be screened as it is generated. The
 * options are checked at once (bad ones throw here, not at the first case).
 */
export function caseStream(o: CaseOptions): Generator<AttackCase> {
  if (!Number.isInteger(o.cases) || o.cases < 1 || o.cases > MAX_CASES)
    throw new ValidationError(`cases must be a whole number from 1 to ${MAX_CASES}, got ${o.cases}`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff)
    throw new ValidationError(`seed must be a whole number from 0 to ${0xffffffff}, got ${o.seed}`);
  const chosen = (o.generators?.length ? o.generators : generators().map((g) => g.id)).map(generatorById);
  const attacks = chosen.filter((g) => g.label === 1);
  const negatives = chosen.filter((g) => g.label === 0);
  const mutators = (o.mutators ?? MUTATORS.map((m) => m.id)).map(mutatorById);
  const negativeShare = negatives.length === 0 ? 0 : attacks.length === 0 ? 1 : (o.negativeShare ?? 0.2);
  const mutatedShare = o.mutatedShare ?? 0.6;
  if (!(negativeShare >= 0 && negativeShare <= 1) || !(mutatedShare >= 0 && mutatedShare <= 1))
    throw new ValidationError("negativeShare and mutatedShare are shares from 0 to 1");
  return draw(o.seed, o.cases, { attacks, negatives, mutators, negativeShare, mutatedShare });
}

function* draw(
  campaignSeed: number,
  cases: number,
  o: {
    attacks: readonly Generator_[];
    negatives: readonly Generator_[];
    mutators: readonly Mutator[];
    negativeShare: number;
    mutatedShare: number;
  },
): Generator<AttackCase> {
  const plan = mulberry32(campaignSeed);
  for (let i = 0; i < cases; i++) {
    const negative = plan() < o.negativeShare;
    const generator = pick(negative ? o.negatives : o.attacks, plan);
    const applied: string[] = [];
    if (generator.mutable && o.mutators.length > 0 && plan() < o.mutatedShare) {
      applied.push(pick(o.mutators, plan).id);
      // Now and then a second disguise on top of the first (leetspeak inside base64, ...).
      if (o.mutators.length > 1 && plan() < 0.2) {
        const second = pick(o.mutators, plan).id;
        if (second !== applied[0]) applied.push(second);
      }
    }
    const seed = Math.floor(plan() * 0x100000000) >>> 0;
    const c = { generator: generator.id, mutators: applied, seed };
    yield { id: `${campaignSeed}:${i}`, ...c, ...replayCase(c) };
  }
}
