/**
 * The frozen red-team suite: cases from a seed reserved for evaluation, so every learning
 * cycle is judged on the same texts and none of them can enter training (`isFrozenText`
 * guards the combined data; campaigns refuse the reserved seed). Texts are compared after
 * folding case and whitespace, so a trivially different copy is still kept out.
 */
import { ValidationError } from "../core/errors.js";
import { generateCases } from "./cases.js";
import type { AttackCase } from "./types.js";

export const FROZEN_SEED = 0x0f120_5e3d;
export const FROZEN_CASES = 2000;

let suite: AttackCase[] | undefined;
let texts: Set<string> | undefined;

const fold = (text: string) => text.toLowerCase().replace(/\s+/g, " ").trim();

export function frozenSuite(): AttackCase[] {
  suite ??= generateCases({ seed: FROZEN_SEED, cases: FROZEN_CASES, negativeShare: 0.3 });
  return suite;
}

export function isFrozenText(text: string): boolean {
  texts ??= new Set(frozenSuite().map((c) => fold(c.text)));
  return texts.has(fold(text));
}

/** Campaign seeds must not be the frozen suite's, or a campaign's bypasses would be its texts. */
export function checkCampaignSeed(seed: number): void {
  if (seed === FROZEN_SEED)
    throw new ValidationError(`seed ${seed} is reserved for the frozen evaluation suite: choose another`);
}
