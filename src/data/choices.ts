/**
 * The words that name a merge's conflict rule and an export's format, apart from the code
 * that acts on them: the CLI declares its options with these at start-up without loading
 * the readers, writers and hashing behind them.
 */
import { ValidationError } from "../core/errors.js";

export const CONFLICT_RULES = ["majority", "attack", "benign", "first", "drop"] as const;
export type ConflictRule = (typeof CONFLICT_RULES)[number];

export const RULE_DESCRIPTIONS: Record<ConflictRule, string> = {
  majority: "the label most copies carry; a tie counts as an attack (label 1)",
  attack: "label 1 wins: a text anyone labelled an attack stays an attack",
  benign: "label 0 wins",
  first: "the label of the earliest copy, inputs taken in the order given",
  drop: "conflicting texts are left out",
};

export function parseConflictRule(value: string): ConflictRule {
  if (!(CONFLICT_RULES as readonly string[]).includes(value))
    throw new ValidationError(`conflict rule must be one of ${CONFLICT_RULES.join(", ")}, got "${value}"`);
  return value as ConflictRule;
}

export type ExportFormat = "jsonl" | "envelope";

export function parseExportFormat(value: string): ExportFormat {
  if (value !== "jsonl" && value !== "envelope")
    throw new ValidationError(`--format must be jsonl or envelope, got "${value}"`);
  return value;
}
