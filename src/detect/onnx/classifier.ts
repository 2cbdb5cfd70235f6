/**
 * A sequence classifier in ONNX, run by onnxruntime-node: token ids in, one probability
 * per label out (softmax over the logits). Batches are padded to their longest sequence
 * with an attention mask, so a text scores the same alone or in a batch. Inference runs
 * on onnxruntime's own threads; `run` only waits for it.
 */
import { ValidationError } from "../../core/errors.js";
import { onnxRuntime, type OrtModule } from "./runtime.js";

type Session = Awaited<ReturnType<OrtModule["InferenceSession"]["create"]>>;
type Feed = Record<string, InstanceType<OrtModule["Tensor"]>>;

/** The inputs a Hugging Face classifier export takes; input_ids is the one it must. */
const KNOWN_INPUTS = ["input_ids", "attention_mask", "token_type_ids"] as const;
type InputName = (typeof KNOWN_INPUTS)[number];

export class OnnxClassifier {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Session,
    /** Each input the graph takes, with the integer type it wants. */
    private readonly inputs: { name: InputName; type: "int64" | "int32" }[],
    private readonly output: string,
  ) {}

  /** A session over the model's bytes; refuses a graph whose inputs it cannot feed. */
  static async create(bytes: Uint8Array): Promise<OnnxClassifier> {
    const ort = await onnxRuntime();
    let session: Session;
    try {
      session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "all" });
    } catch (err) {
      throw new ValidationError(`the ONNX model cannot be loaded: ${(err as Error).message}`);
    }
    const inputs: { name: InputName; type: "int64" | "int32" }[] = [];
    for (const meta of session.inputMetadata) {
      const type = meta.isTensor ? meta.type : undefined;
      if (!(KNOWN_INPUTS as readonly string[]).includes(meta.name) || (type !== "int64" && type !== "int32"))
        throw new ValidationError(
          `the ONNX model takes an input "${meta.name}" (${type ?? "not a tensor"}); a text classifier takes int64 ${KNOWN_INPUTS.join(", ")}`,
        );
      inputs.push({ name: meta.name as InputName, type });
    }
    if (!inputs.some((i) => i.name === "input_ids"))
      throw new ValidationError("the ONNX model has no input_ids input: is it a text classifier?");
    const output = session.outputNames.includes("logits") ? "logits" : session.outputNames[0];
    if (output === undefined) throw new ValidationError("the ONNX model has no output");
    return new OnnxClassifier(ort, session, inputs, output);
  }

  /** One probability vector per sequence (each padded with `padId` to the longest). */
  async classify(sequences: readonly number[][], padId: number): Promise<Float64Array[]> {
    const rows = sequences.length;
    const width = Math.max(1, ...sequences.map((s) => s.length));
    const feed: Feed = {};
    for (const input of this.inputs) {
      const values = inputValues(input.name, sequences, width, padId);
      const data = input.type === "int64" ? BigInt64Array.from(values, BigInt) : Int32Array.from(values);
      feed[input.name] = new this.ort.Tensor(input.type, data, [rows, width]);
    }
    const out = (await this.session.run(feed))[this.output];
    if (!out || out.dims.length !== 2 || out.dims[0] !== rows)
      throw new ValidationError(
        `the ONNX model's output "${this.output}" has shape [${out?.dims.join(", ") ?? ""}], not [batch, labels]`,
      );
    const labels = out.dims[1]!;
    const logits = out.data as Float32Array;
    return sequences.map((_, r) => softmax(logits.subarray(r * labels, (r + 1) * labels)));
  }

  /** Frees the session's native memory; the classifier must not be used afterwards. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

/** One input's values for a batch padded to `width`: ids (pad after), mask (1 then 0), or token types (0). */
function inputValues(
  name: InputName,
  sequences: readonly number[][],
  width: number,
  padId: number,
): number[] {
  const out = new Array<number>(sequences.length * width).fill(0);
  if (name === "token_type_ids") return out;
  sequences.forEach((seq, r) => {
    for (let c = 0; c < width; c++)
      out[r * width + c] = name === "input_ids" ? (seq[c] ?? padId) : c < seq.length ? 1 : 0;
  });
  return out;
}

/** Probabilities from logits, shifted by the maximum so large logits do not overflow. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}
