/**
 * The built-in detector: windows over the text, the learned model plus the rules' prior
 * on each window, decoded payloads scanned as texts of their own, and the worst window
 * deciding the verdict. Synchronous and allocation-light: it runs in-process on the hot path.
 */
import { performance } from "node:perf_hooks";
import {
  DecodeBudget,
  TEXT_DECODE_LIMITS,
  type DecodeLimit,
  type DecodeLimits,
} from "../text/decode-budget.js";
import { findPayloads } from "../text/payloads.js";
import { isWordChar } from "../text/tokens.js";
import { windows } from "../text/windows.js";
import { WindowAnalyser, type WindowAnalysis } from "./analysis.js";
import { topTerms } from "./attribution.js";
import { FeatureExtractor } from "./features.js";
import { argmaxCategory, type BuiltinModel } from "./model.js";
import { RuleSet } from "./rules.js";
import type { Category, DetectOptions, Evidence, ModelRef, SyncDetector, Verdict } from "./types.js";

/** Words named as evidence for a flagged text. */
const TERM_EVIDENCE = 5;

/** Where `term` stands as a whole word in `lower`, or -1. */
function wordAt(lower: string, term: string): number {
  for (let at = lower.indexOf(term); at >= 0; at = lower.indexOf(term, at + 1)) {
    const before = at === 0 ? 32 : lower.charCodeAt(at - 1);
    const after = at + term.length >= lower.length ? 32 : lower.charCodeAt(at + term.length);
    if (!isWordChar(before) && !isWordChar(after)) return at;
  }
  return -1;
}

const LIMIT_TEXT: Record<DecodeLimit, string> = {
  depth: "payloads were nested deeper than the decoding depth allows",
  decoded_chars: "more encoded text than the decoding budget allows",
  payloads: "more encoded payloads than the decoding budget allows",
};

const SIGNAL_TEXT: Record<string, string> = {
  zero_width: "zero-width characters inside the text were removed",
  bidi_control: "bidirectional control characters were removed",
  unicode_tags: "invisible Unicode tag characters carried hidden text",
  variation_selectors: "variation selectors carried hidden bytes (emoji smuggling)",
  homoglyphs: "look-alike letters from other scripts were folded to Latin",
  spaced_letters: "letters spelled out with separators were joined",
  leetspeak: "leetspeak digits and symbols were folded to letters",
};

export interface BuiltinDetectorOptions {
  threshold?: number;
  window?: { size: number; stride: number };
  /** How much decoding one text may cause (TEXT_DECODE_LIMITS by default). */
  decode?: DecodeLimits;
}

/** The worst window found so far, with what is needed to explain it. */
interface Worst {
  logit: number;
  offset: number;
  length: number;
  text: string;
}

export interface ScoredText {
  /** Max over windows and payloads of model logit + rules' prior. */
  logit: number;
  worst: Worst;
  windowCount: number;
  evidence: Evidence[];
  /** The decoding limit reached, if one was: the rest of the hidden text was not decoded. */
  decodeLimit?: DecodeBudget["exhausted"];
}

/** What one scoring pass carries down the payload tree. */
interface ScoreRun {
  withEvidence: boolean;
  budget: DecodeBudget;
  seenRules: Set<string>;
  out: ScoredText;
}

export class BuiltinDetector implements SyncDetector {
  readonly name = "builtin";
  readonly model: ModelRef;
  readonly threshold: number;
  readonly builtin: BuiltinModel;
  private readonly analyser: WindowAnalyser;
  readonly window: { size: number; stride: number };
  readonly decodeLimits: DecodeLimits;

  constructor(model: BuiltinModel, options: BuiltinDetectorOptions = {}) {
    this.builtin = model;
    this.model = { name: model.meta.name, version: model.meta.version, sha256: model.sha256 };
    this.threshold = options.threshold ?? model.meta.threshold;
    this.window = {
      size: options.window?.size ?? model.meta.window.size,
      stride: options.window?.stride ?? model.meta.window.stride,
    };
    this.decodeLimits = options.decode ?? TEXT_DECODE_LIMITS;
    this.analyser = new WindowAnalyser(
      new FeatureExtractor(model.meta.features),
      new RuleSet(model.meta.rules),
    );
  }

  /** Analyses one window's text (exposed for training, which must see the same features). */
  analyse(text: string): WindowAnalysis {
    return this.analyser.analyse(text);
  }

  windowLogit(a: WindowAnalysis): number {
    return this.builtin.logit(a.vector) + a.prior;
  }

  /**
   * The raw (uncalibrated) score of a text and, when asked, its evidence. Decoding is
   * charged to a budget of its own for this text and to the request's `budget` when given.
   */
  score(text: string, withEvidence = false, budget?: DecodeBudget): ScoredText {
    const result: ScoredText = {
      logit: -Infinity,
      worst: { logit: -Infinity, offset: 0, length: text.length, text: "" },
      windowCount: 0,
      evidence: [],
    };
    const textBudget = budget ? budget.forText(this.decodeLimits) : new DecodeBudget(this.decodeLimits);
    this.scoreInto(text, 0, 0, { withEvidence, budget: textBudget, seenRules: new Set(), out: result });
    if (textBudget.exhausted) result.decodeLimit = textBudget.exhausted;
    if (result.logit === -Infinity) {
      // Nothing but whitespace: score the empty window so the verdict is well defined.
      const a = this.analyser.analyse("");
      result.logit = this.windowLogit(a);
      result.worst.logit = result.logit;
    }
    return result;
  }

  private scoreInto(text: string, base: number, depth: number, run: ScoreRun): void {
    const { withEvidence, seenRules, out } = run;
    const seenSignals = new Set<string>();
    for (const w of windows(text, this.window.size, this.window.stride)) {
      const a = this.analyser.analyse(w.text);
      if (depth === 0) out.windowCount++;
      if (!a.normalized) continue;
      const z = this.windowLogit(a);
      if (z > out.logit) {
        out.logit = z;
        out.worst = { logit: z, offset: base + w.offset, length: w.text.length, text: w.text };
      }
      if (!withEvidence) continue;
      for (const h of a.hits) {
        if (seenRules.has(h.rule.id)) continue;
        seenRules.add(h.rule.id);
        out.evidence.push({
          kind: "rule",
          id: h.rule.id,
          description: h.rule.description ?? h.rule.id,
          category: h.rule.category,
          offset: base + w.offset,
          excerpt: h.excerpt,
          weight: h.rule.weight,
        });
      }
      for (const s of a.signals) {
        if (seenSignals.has(s)) continue;
        seenSignals.add(s);
        out.evidence.push({
          kind: "obfuscation",
          id: s,
          description: SIGNAL_TEXT[s] ?? s,
          offset: base + w.offset,
        });
      }
    }
    const payloads = findPayloads(text, run.budget);
    if (depth >= run.budget.limits.maxDepth) {
      // Looked for, not scanned: a payload this deep is itself the evidence.
      if (payloads.length > 0) run.budget.stop("depth");
      return;
    }
    for (const p of payloads) {
      if (withEvidence) {
        out.evidence.push({
          kind: "payload",
          id: p.encoding,
          description: `a ${p.encoding} payload was decoded and scanned${p.truncated ? " (its start only: decoding budget)" : ""}`,
          offset: base + p.offset,
          excerpt: p.text.slice(0, 160),
        });
      }
      this.scoreInto(p.text, base + p.offset, depth + 1, run);
    }
  }

  /**
   * The words that drove the worst window's score, with where they stand in the text when
   * they appear there as written (a decoded payload's words have no place in it). Only the
   * worst window is searched: a megabyte document costs no more than one window.
   */
  private termEvidence(
    original: string,
    window: { text: string; offset: number },
    worst: WindowAnalysis,
  ): Evidence[] {
    const text = window.text;
    const lower = text.toLowerCase();
    // A window of a decoded payload is not text of the original: its words get no offset.
    const sameLength = lower.length === text.length && original.startsWith(text, window.offset);
    const terms = topTerms(
      this.builtin,
      this.analyser.extractor,
      worst.normalized,
      worst.vector,
      TERM_EVIDENCE,
    );
    return terms.map(({ term, weight }) => {
      const at = sameLength ? wordAt(lower, term) : -1;
      return {
        kind: "term" as const,
        id: term,
        description: `the word "${term}" adds ${weight.toFixed(2)} to the worst window's score (logits)`,
        ...(at >= 0 ? { offset: window.offset + at, excerpt: text.slice(at, at + term.length) } : {}),
        weight,
      };
    });
  }

  /** The category of a window: the category head, with each matching rule's weight as a vote. */
  categoryOf(text: string): Category {
    return this.categoryOfAnalysis(this.analyser.analyse(text));
  }

  private categoryOfAnalysis(a: WindowAnalysis): Category {
    const probs = this.builtin.categoryScores(a.vector);
    for (const h of a.hits) probs[categoryIndex(h.rule.category)]! += 0.15 * h.rule.weight;
    return argmaxCategory(probs);
  }

  detect(text: string, options: DetectOptions = {}): Verdict {
    const started = performance.now();
    const withEvidence = options.evidence !== false;
    const scored = this.score(text, withEvidence, options.decodeBudget);
    const threshold = options.threshold ?? this.threshold;
    let score = this.builtin.calibrate(scored.logit);
    const evidence = scored.evidence;
    if (scored.decodeLimit) {
      // Hiding more than the budget decodes is how one would slip a payload past it, and
      // benign text almost never does: such a text is flagged, and the evidence says why.
      score = Math.max(score, threshold);
      if (withEvidence) {
        const { limit, scope } = scored.decodeLimit;
        evidence.push({
          kind: "obfuscation",
          id: "decode_budget",
          description: `decoding stopped: ${LIMIT_TEXT[limit]}${scope === "request" ? " (for the whole request)" : ""}; the text was scored as far as it was decoded`,
        });
      }
    }
    const flagged = score >= threshold;
    let category: Category | null = null;
    if (flagged) {
      const worst = this.analyser.analyse(scored.worst.text);
      category = this.categoryOfAnalysis(worst);
      if (withEvidence) {
        evidence.unshift({
          kind: "model",
          id: this.model.name,
          description: `learned model and rules score the worst window ${score.toFixed(3)}`,
          category,
          offset: scored.worst.offset,
          excerpt: scored.worst.text.slice(0, 160),
          weight: scored.logit,
        });
        evidence.splice(1, 0, ...this.termEvidence(text, scored.worst, worst));
      }
    }
    return {
      score,
      flagged,
      category,
      threshold,
      evidence,
      windows: {
        count: scored.windowCount,
        worst: {
          offset: scored.worst.offset,
          length: scored.worst.length,
          score: this.builtin.calibrate(scored.worst.logit),
        },
      },
      model: this.model,
      latencyMs: performance.now() - started,
    };
  }
}

const CATEGORY_INDEX: Record<Category, number> = {
  prompt_injection: 0,
  jailbreak: 1,
  system_extraction: 2,
  code_injection: 3,
};

function categoryIndex(c: Category): number {
  return CATEGORY_INDEX[c];
}
