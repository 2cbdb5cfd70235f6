/**
 * Which of a classifier's labels mean an attack. Prompt-injection classifiers name their
 * labels differently (SAFE/INJECTION, BENIGN/INJECTION/JAILBREAK, LABEL_0/LABEL_1,
 * BENIGN/MALICIOUS); the attack probability is the sum over the labels that mean one, so a
 * three-way model counts injection and jailbreak alike.
 */
import { ValidationError } from "../../core/errors.js";
import type { Category } from "../types.js";

/** Label names read as attacks when none are configured. */
export const DEFAULT_ATTACK_LABEL = /inject|jailbreak|malicious|unsafe|attack|harmful|^label_1$/i;

export interface LabelMap {
  /** Label names by output index. */
  names: string[];
  /** Indices whose probabilities add up to the attack score. */
  attack: number[];
  /** The category each label stands for (null for the benign ones). */
  categories: (Category | null)[];
}

/** A label's category: a jailbreak label says jailbreak; any other attack label, injection. */
function categoryOf(name: string): Category {
  return /jailbreak/i.test(name) ? "jailbreak" : "prompt_injection";
}

/**
 * The label map of a model's `id2label` (config.json). `attackLabels` names the attack
 * labels (case-insensitive); by default, those matching DEFAULT_ATTACK_LABEL.
 */
export function labelMap(id2label: unknown, attackLabels?: readonly string[]): LabelMap {
  if (typeof id2label !== "object" || id2label === null || Array.isArray(id2label))
    throw new ValidationError("config.json has no id2label object: is this a sequence-classification model?");
  const entries = Object.entries(id2label as Record<string, unknown>);
  const names: string[] = [];
  for (const [key, value] of entries) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= entries.length || typeof value !== "string" || names[i])
      throw new ValidationError(`config.json id2label must map 0..${entries.length - 1} to label names`);
    names[i] = value;
  }
  if (names.length < 2) throw new ValidationError("config.json id2label names fewer than two labels");
  const wanted = attackLabels?.map((l) => l.toLowerCase());
  if (attackLabels) {
    const unknown = attackLabels.filter((w) => !names.some((n) => n.toLowerCase() === w.toLowerCase()));
    if (unknown.length > 0)
      throw new ValidationError(
        `attack label(s) ${unknown.join(", ")} are not labels of the model (${names.join(", ")})`,
      );
  }
  const isAttack = (n: string) => (wanted ? wanted.includes(n.toLowerCase()) : DEFAULT_ATTACK_LABEL.test(n));
  const attack = names.flatMap((n, i) => (isAttack(n) ? [i] : []));
  if (attack.length === 0 || attack.length === names.length)
    throw new ValidationError(
      `cannot tell which of the labels ${names.join(", ")} mean an attack: name them (--attack-labels)`,
    );
  return { names, attack, categories: names.map((n) => (isAttack(n) ? categoryOf(n) : null)) };
}
