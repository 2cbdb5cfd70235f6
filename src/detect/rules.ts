/**
 * Signature rules as data: a JSON file of {id, pattern, weight, category, triggers}.
 * A rule's regex runs only when one of its trigger words occurs in the text, so thirty
 * rules cost a few hash lookups on ordinary text instead of thirty regex scans.
 */
import { readFileSync } from "node:fs";
import { ValidationError } from "../core/errors.js";
import { DEFAULT_RULES_FILE } from "../core/paths.js";
import { wordHash, wordTokens } from "../text/tokens.js";
import { isCategory, type Category } from "./types.js";

export interface RuleSpec {
  id: string;
  category: Category;
  weight: number;
  pattern: string;
  triggers?: string[];
  description?: string;
}

export interface RulesDocument {
  version: number;
  description?: string;
  rules: RuleSpec[];
}

export interface RuleHit {
  rule: RuleSpec;
  offset: number;
  excerpt: string;
}

interface CompiledRule {
  spec: RuleSpec;
  regex: RegExp;
}

export function validateRules(doc: unknown, source = "rules"): RulesDocument {
  if (!doc || typeof doc !== "object" || !Array.isArray((doc as RulesDocument).rules)) {
    throw new ValidationError(`${source}: expected an object with a "rules" array`);
  }
  const seen = new Set<string>();
  const rules = (doc as RulesDocument).rules.map((r, i) => {
    const where = `${source}: rule ${i + 1}${r && typeof r.id === "string" ? ` (${r.id})` : ""}`;
    if (!r || typeof r !== "object") throw new ValidationError(`${where}: expected an object`);
    if (typeof r.id !== "string" || !r.id)
      throw new ValidationError(`${where}: "id" must be a non-empty string`);
    if (seen.has(r.id)) throw new ValidationError(`${where}: duplicate id`);
    seen.add(r.id);
    if (!isCategory(r.category))
      throw new ValidationError(`${where}: "category" must be one of the four categories`);
    if (typeof r.weight !== "number" || !Number.isFinite(r.weight))
      throw new ValidationError(`${where}: "weight" must be a number`);
    if (typeof r.pattern !== "string" || !r.pattern)
      throw new ValidationError(`${where}: "pattern" must be a string`);
    try {
      new RegExp(r.pattern, "u");
    } catch (err) {
      throw new ValidationError(
        `${where}: "pattern" is not a valid regular expression: ${(err as Error).message}`,
      );
    }
    if (
      r.triggers !== undefined &&
      (!Array.isArray(r.triggers) || r.triggers.some((t) => typeof t !== "string"))
    ) {
      throw new ValidationError(`${where}: "triggers" must be an array of strings`);
    }
    return { ...r };
  });
  return {
    version: Number((doc as RulesDocument).version ?? 1),
    description: (doc as RulesDocument).description,
    rules,
  };
}

export function loadRulesFile(path = DEFAULT_RULES_FILE): RulesDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ValidationError(`cannot read rules file ${path}: ${(err as Error).message}`);
  }
  return validateRules(parsed, path);
}

export class RuleSet {
  readonly document: RulesDocument;
  private readonly compiled: CompiledRule[];
  private readonly always: number[] = [];
  private readonly byTrigger = new Map<number, number[]>();
  private readonly candidate: Uint8Array;

  constructor(document: RulesDocument) {
    this.document = document;
    this.compiled = document.rules.map((spec) => ({ spec, regex: new RegExp(spec.pattern, "u") }));
    this.candidate = new Uint8Array(this.compiled.length);
    this.compiled.forEach(({ spec }, i) => {
      const tokens = (spec.triggers ?? []).map((t) => wordTokens(t.toLowerCase())[0]);
      // A trigger that is not a word (an emoji, say) cannot be looked up: run the rule always.
      if (tokens.length === 0 || tokens.some((t) => t === undefined)) {
        this.always.push(i);
        return;
      }
      for (const t of new Set(tokens as string[])) {
        const h = wordHash(t);
        const list = this.byTrigger.get(h) ?? [];
        list.push(i);
        this.byTrigger.set(h, list);
      }
    });
  }

  get size(): number {
    return this.compiled.length;
  }

  /** Rules that match `text`, given the word hashes the feature extractor computed for it. */
  match(text: string, wordHashes: Int32Array, wordCount: number): RuleHit[] {
    const cand = this.candidate;
    cand.fill(0);
    for (const i of this.always) cand[i] = 1;
    for (let w = 0; w < wordCount; w++) {
      const list = this.byTrigger.get(wordHashes[w]!);
      if (list) for (const i of list) cand[i] = 1;
    }
    let hits: RuleHit[] | undefined;
    for (let i = 0; i < cand.length; i++) {
      if (!cand[i]) continue;
      const { spec, regex } = this.compiled[i]!;
      const m = regex.exec(text);
      if (m) (hits ??= []).push({ rule: spec, offset: m.index, excerpt: m[0].slice(0, 160) });
    }
    return hits ?? NO_HITS;
  }
}

const NO_HITS: RuleHit[] = [];
