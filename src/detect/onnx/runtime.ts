/**
 * onnxruntime-node and the tokenizer library, imported on first use: the built-in detector
 * never loads them (nor their native code and memory), and an installation without the
 * optional onnxruntime-node package still runs everything but ONNX models, which then say
 * exactly what is missing.
 */
import type * as Ort from "onnxruntime-node";
import type * as Tokenizers from "@huggingface/tokenizers";
import { BulwarkError } from "../../core/errors.js";

export type OrtModule = typeof Ort;
export type TokenizersModule = typeof Tokenizers;

export class OnnxUnavailableError extends BulwarkError {
  constructor(what: string, cause: unknown) {
    super(
      "ONNX_UNAVAILABLE",
      `ONNX models need ${what}, which could not be loaded (${(cause as Error).message ?? String(cause)}); ` +
        "install it with `npm install onnxruntime-node@1.30` (an optional dependency of bulwark)",
      503,
      { package: what },
      { cause },
    );
    this.name = "OnnxUnavailableError";
  }
}

let ort: Promise<OrtModule> | undefined;
let tokenizers: Promise<TokenizersModule> | undefined;

/** onnxruntime-node, loaded once; a failed import is retried on the next call. */
export function onnxRuntime(): Promise<OrtModule> {
  ort ??= import("onnxruntime-node").catch((err: unknown) => {
    ort = undefined;
    throw new OnnxUnavailableError("onnxruntime-node", err);
  });
  return ort;
}

export function tokenizerLibrary(): Promise<TokenizersModule> {
  tokenizers ??= import("@huggingface/tokenizers").catch((err: unknown) => {
    tokenizers = undefined;
    throw new OnnxUnavailableError("@huggingface/tokenizers", err);
  });
  return tokenizers;
}
