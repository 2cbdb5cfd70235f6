/** The vocabulary shared by every detector and by everything that consumes verdicts. */
import type { DecodeBudget } from "../text/decode-budget.js";

export const CATEGORIES = ["prompt_injection", "jailbreak", "system_extraction", "code_injection"] as const;
export type Category = (typeof CATEGORIES)[number];

export function isCategory(value: unknown): value is Category {
  return typeof value === "string" && (CATEGORIES as readonly string[]).includes(value);
}

export type EvidenceKind = "rule" | "model" | "term" | "obfuscation" | "payload" | "detector";

export interface Evidence {
  kind: EvidenceKind;
  /** Rule id, word (for a term), signal name, payload encoding or detector name. */
  id: string;
  /** What it means, in words. */
  description: string;
  category?: Category;
  /** Offset in the original text where the evidence starts, when known. */
  offset?: number;
  /** A short excerpt of the (normalised or decoded) text that matched. */
  excerpt?: string;
  /** The contribution to the score in logits, when meaningful. */
  weight?: number;
}

export interface ModelRef {
  name: string;
  version: string;
  sha256: string;
}

export interface Verdict {
  score: number;
  flagged: boolean;
  category: Category | null;
  threshold: number;
  evidence: Evidence[];
  windows: { count: number; worst: { offset: number; length: number; score: number } };
  model: ModelRef;
  latencyMs: number;
  /** Each member's own score, when an ensemble of more than one detector judged the text. */
  detectors?: { name: string; score: number; flagged: boolean }[];
}

export interface DetectOptions {
  threshold?: number;
  /** Leave evidence out of the verdict (saves work on the hot path). */
  evidence?: boolean;
  /**
   * The request's decoding budget, shared by the texts of a batch (each text also has its
   * own). Without one, each text gets a request budget of its own.
   */
  decodeBudget?: DecodeBudget;
}

/**
 * Anything that can tell whether a text is an attack. The ensemble is a loop over these.
 * The built-in model answers at once (a `SyncDetector`, the hot path); a detector that must
 * wait, such as ONNX inference on a transformer, returns a promise.
 */
export interface Detector {
  readonly name: string;
  readonly model: ModelRef;
  readonly threshold: number;
  /** How a long text is cut for a document scan (characters); the detector's own choice. */
  readonly window: { size: number; stride: number };
  detect(text: string, options?: DetectOptions): Verdict | Promise<Verdict>;
}

export interface SyncDetector extends Detector {
  detect(text: string, options?: DetectOptions): Verdict;
}
