/**
 * A transformer classifier as a detector: the text cut into the built-in detector's
 * character windows, each window tokenized by the model's own tokenizer (cut again when it
 * comes to more tokens than the model takes, so nothing is truncated away), the windows
 * classified in batches, and the worst window's attack probability deciding the verdict.
 * It answers with a promise: inference runs on onnxruntime's threads, not the event loop.
 */
import { performance } from "node:perf_hooks";
import { windows } from "../../text/windows.js";
import type { Category, DetectOptions, Detector, Evidence, ModelRef, Verdict } from "../types.js";
import type { OnnxClassifier } from "./classifier.js";
import type { LabelMap } from "./labels.js";
import type { OnnxSettings } from "./settings.js";
import type { TransformerTokenizer } from "./tokenizer.js";

/** What a loaded ONNX transformer is made of (the registry format's model). */
export interface OnnxModel {
  classifier: OnnxClassifier;
  tokenizer: TransformerTokenizer;
  labels: LabelMap;
  settings: OnnxSettings;
}

/** A piece of the text small enough for the model, and its token ids. */
interface Piece {
  offset: number;
  text: string;
  ids: number[];
}

/** Below this many characters a window that is still too long is truncated, not cut again. */
const MIN_PIECE = 16;

export class OnnxDetector implements Detector {
  readonly threshold: number;
  readonly window: { size: number; stride: number };

  constructor(
    readonly name: string,
    readonly model: ModelRef,
    private readonly onnx: OnnxModel,
    options: { threshold?: number } = {},
  ) {
    this.threshold = options.threshold ?? onnx.settings.threshold;
    this.window = onnx.settings.window;
  }

  async detect(text: string, options: DetectOptions = {}): Promise<Verdict> {
    const started = performance.now();
    const pieces = this.pieces(text);
    const { batchSize } = this.onnx.settings;
    let worst: { index: number; score: number; probs: Float64Array } = {
      index: 0,
      score: -1,
      probs: new Float64Array(0),
    };
    for (let i = 0; i < pieces.length; i += batchSize) {
      const batch = pieces.slice(i, i + batchSize);
      const probs = await this.onnx.classifier.classify(
        batch.map((p) => p.ids),
        this.onnx.tokenizer.padId,
      );
      probs.forEach((p, j) => {
        const score = this.attackProbability(p);
        if (score > worst.score) worst = { index: i + j, score, probs: p };
      });
    }
    const threshold = options.threshold ?? this.threshold;
    const score = Math.min(1, Math.max(0, worst.score));
    const flagged = score >= threshold;
    const piece = pieces[worst.index]!;
    const category = flagged ? this.categoryOf(worst.probs) : null;
    const evidence: Evidence[] = [];
    if (flagged && options.evidence !== false)
      evidence.push({
        kind: "model",
        id: this.name,
        description: `${this.name} (ONNX transformer) gives the worst window an attack probability of ${score.toFixed(3)}`,
        ...(category ? { category } : {}),
        offset: piece.offset,
        excerpt: piece.text.slice(0, 160),
      });
    return {
      score,
      flagged,
      category,
      threshold,
      evidence,
      windows: { count: pieces.length, worst: { offset: piece.offset, length: piece.text.length, score } },
      model: this.model,
      latencyMs: performance.now() - started,
    };
  }

  /** Sum of the probabilities of the labels that mean an attack. */
  private attackProbability(probs: Float64Array): number {
    let p = 0;
    for (const i of this.onnx.labels.attack) p += probs[i] ?? 0;
    return p;
  }

  /** The category of the most probable attack label. */
  private categoryOf(probs: Float64Array): Category | null {
    let best = -1;
    for (const i of this.onnx.labels.attack) if (best < 0 || (probs[i] ?? 0) > (probs[best] ?? 0)) best = i;
    return best < 0 ? null : (this.onnx.labels.categories[best] ?? null);
  }

  /** The text's windows, each within the model's maximum length in tokens. */
  private pieces(text: string): Piece[] {
    const out: Piece[] = [];
    this.cut(text, 0, this.window.size, this.window.stride, out);
    return out;
  }

  private cut(text: string, base: number, size: number, stride: number, out: Piece[]): void {
    const { maxLength } = this.onnx.settings;
    for (const w of windows(text, size, stride)) {
      const ids = this.onnx.tokenizer.encode(w.text);
      if (ids.length <= maxLength) out.push({ offset: base + w.offset, text: w.text, ids });
      else if (w.text.length > MIN_PIECE) {
        const half = Math.max(MIN_PIECE, Math.floor(w.text.length / 2));
        this.cut(w.text, base + w.offset, half, Math.max(1, Math.floor((half * 3) / 4)), out);
      } else {
        // A handful of characters that are each many tokens: keep the start and the closing token.
        out.push({
          offset: base + w.offset,
          text: w.text,
          ids: [...ids.slice(0, maxLength - 1), ids.at(-1)!],
        });
      }
    }
  }
}
