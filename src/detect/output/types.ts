/**
 * The vocabulary of output screening: what an LLM's answer is checked for before it is
 * shown (a canary token from its system prompt, the system prompt itself, a way to send
 * data out), and the verdict that says so. Input detection judges what goes into a model;
 * this judges what comes out, so it has categories and evidence kinds of its own. They are
 * kept apart from `CATEGORIES` in ../types.ts on purpose: that list is also the layout of
 * the built-in model's category weights, which output screening has nothing to do with.
 */
import type { Evidence } from "../types.js";

export const OUTPUT_CATEGORIES = ["system_extraction", "data_exfiltration"] as const;
export type OutputCategory = (typeof OUTPUT_CATEGORIES)[number];

export const OUTPUT_EVIDENCE_KINDS = ["canary", "prompt_leak", "exfiltration"] as const;
export type OutputEvidenceKind = (typeof OUTPUT_EVIDENCE_KINDS)[number];

/** One finding: the fields of detection evidence, with its own kinds and a score instead of logits. */
export interface OutputEvidence extends Pick<Evidence, "id" | "description" | "offset" | "excerpt"> {
  kind: OutputEvidenceKind;
  category: OutputCategory;
  /** How strongly this finding alone says the output must not be shown (0..1). */
  score: number;
}

/** How a canary token appeared: as it is, disguised, or inside a decoded payload ("base64", "base64+hex"). */
export type CanaryForm = "exact" | "obfuscated" | "reversed" | (string & {});

/** A stored canary this token is, as the service may show it to the caller. */
export interface CanaryRecordRef {
  id: string;
  label: string | null;
  createdAt: string;
  createdBy: string;
}

export interface CanaryFinding {
  /** The token: as given in the request, or (found by its shape) as Bulwark writes it. */
  token: string;
  /** "given": one of the request's canaries; "shape": any token of Bulwark's canary shape. */
  source: "given" | "shape";
  /** Its index in the request's canaries, when given. */
  index?: number;
  form: CanaryForm;
  /** Where it starts in the output (of the payload that held it, when encoded). */
  offset: number;
  /** Set by the service: whether the token is one of its stored canaries. */
  known?: boolean;
  /** Set by the service: the stored canary, for a caller allowed to see it. */
  record?: CanaryRecordRef;
}

/** How much of the system prompt the output repeats. */
export interface PromptLeakReport {
  /** What the caller gave: the text, or only hashes. */
  by: "text" | "hash";
  /** The whole prompt (normalised) appears in the output. */
  whole: boolean;
  /** Sentences of five words or more, and how many of them the output repeats. */
  segments: { total: number; matched: number };
  /** Text only: the share of the prompt's word 8-grams the output repeats (0..1). */
  ngramCoverage: number | null;
  /** Text only: the longest run of the prompt's words the output repeats verbatim. */
  longestRunWords: number | null;
}

export interface OutputVerdict {
  /** The strongest single finding's score (0 when nothing was found). */
  score: number;
  flagged: boolean;
  /** The category of the strongest finding when flagged, else null. */
  category: OutputCategory | null;
  threshold: number;
  evidence: OutputEvidence[];
  canaries: CanaryFinding[];
  /** Null when no system prompt was given. */
  systemPrompt: PromptLeakReport | null;
  latencyMs: number;
}

export interface SystemPromptRef {
  text?: string;
  /** SHA-256 (hex) of the whole prompt, normalised as `promptFingerprint` does. */
  sha256?: string;
  /** SHA-256 (hex) of each of its sentences, as `promptFingerprint` makes them. */
  segments?: readonly string[];
}

export interface ScreenOutputOptions {
  /** Canary tokens (or any secret markers) from the system prompt to look for. */
  canaries?: readonly string[];
  /** Also report any token of Bulwark's canary shape (default true). */
  findCanaryShapes?: boolean;
  systemPrompt?: SystemPromptRef;
  /**
   * Hosts links and images may point to: "docs.example.com" (that host) or
   * "*.example.com" (its subdomains). Not given: no host is judged by name alone.
   */
  allowedHosts?: readonly string[];
  /** Score at which the output is flagged (default 0.5). */
  threshold?: number;
}

export const DEFAULT_OUTPUT_THRESHOLD = 0.5;
