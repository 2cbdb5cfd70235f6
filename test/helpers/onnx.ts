/**
 * A tiny transformer-shaped text classifier, built here rather than downloaded (no model
 * hub is reachable): a Hugging Face style folder with config.json (id2label),
 * tokenizer.json (hand-written: WordPiece as BERT's, or Unigram with Metaspace as
 * DeBERTa-v3's and Prompt Guard's SentencePiece; lower-casing, [CLS] ... [SEP]),
 * tokenizer_config.json and an ONNX graph written with onnx-proto:
 *
 *   input_ids -> Gather(embedding) -> mean over the attention mask -> MatMul + bias -> logits
 *
 * Each word of the vocabulary leans towards one label, so the model's verdicts are known
 * in advance: "ignore all previous instructions" is an injection, "what is the weather
 * like today" is safe. Used by the ONNX tests and by bench/onnx.bench.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

/** Words that lean towards a label; every other word (and [UNK]) leans nowhere. */
const LEANING: Record<string, "attack" | "jailbreak" | "benign"> = {
  ignore: "attack",
  previous: "attack",
  instructions: "attack",
  disregard: "attack",
  reveal: "attack",
  system: "attack",
  prompt: "attack",
  override: "attack",
  jailbreak: "jailbreak",
  dan: "jailbreak",
  unrestricted: "jailbreak",
  pretend: "jailbreak",
  hello: "benign",
  weather: "benign",
  today: "benign",
  recipe: "benign",
  meeting: "benign",
  summarise: "benign",
  thanks: "benign",
  email: "benign",
};
const NEUTRAL = ["the", "a", "all", "what", "is", "like", "please", "and", "you", "are", "of", "to", "now"];
const SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"];

export interface TinyClassifierOptions {
  /** id2label, in order (default SAFE, INJECTION; three labels add a jailbreak head). */
  labels?: string[];
  /** config.json max_position_embeddings (default 128): small values make long texts window. */
  maxLength?: number;
  /** Where the graph goes inside the folder (default model.onnx). */
  graphFile?: string;
  /** Leave tokenizer_config.json out. */
  noTokenizerConfig?: boolean;
  /** The tokenizer's model (default wordpiece). */
  tokenizer?: "wordpiece" | "unigram";
}

/** Unigram pieces beyond the words: the word boundary and single letters, leaning nowhere. */
const PIECES = ["▁", ..."abcdefghijklmnopqrstuvwxyz0123456789"];

/** The vocabulary: special tokens first, then the words, each with its id. */
export function tinyVocabulary(): Record<string, number> {
  const words = [...SPECIAL, ...Object.keys(LEANING), ...NEUTRAL];
  return Object.fromEntries(words.map((w, i) => [w, i]));
}

/** The ONNX graph's bytes for `labels` output labels, over `size` token ids (the words' first). */
export function tinyClassifierGraph(
  labels: readonly string[],
  size = Object.keys(tinyVocabulary()).length + PIECES.length,
): Uint8Array {
  const vocab = tinyVocabulary();
  const n = labels.length;
  const jailbreak = labels.findIndex((l) => /jailbreak/i.test(l));
  const attack = labels.findIndex((l, i) => i !== 0 && i !== jailbreak);
  // One embedding dimension per label; a word leaning to a label puts 6 on that dimension.
  const embedding = new Array<number>(size * n).fill(0);
  for (const [word, lean] of Object.entries(LEANING)) {
    const label = lean === "benign" ? 0 : lean === "jailbreak" && jailbreak >= 0 ? jailbreak : attack;
    embedding[vocab[word]! * n + label] = 6;
  }
  const identity = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  const bias = labels.map((_, i) => (i === 0 ? 0.5 : 0));
  const int = (name: string, i: number) =>
    onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
  const node = (
    opType: string,
    input: string[],
    output: string[],
    attribute: onnxProto.onnx.IAttributeProto[] = [],
  ) => onnx.NodeProto.create({ opType, input, output, attribute });
  const tensor = (name: string, dims: number[], dataType: number, fields: object) =>
    onnx.TensorProto.create({ name, dims, dataType, ...fields });
  const value = (name: string, elemType: number, shape: (string | number)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType,
          shape: { dim: shape.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
        },
      },
    });
  const graph = onnx.GraphProto.create({
    name: "bulwark-tiny-classifier",
    node: [
      node("Gather", ["embedding", "input_ids"], ["embedded"]),
      node("Cast", ["attention_mask"], ["mask"], [int("to", T.FLOAT)]),
      node("Unsqueeze", ["mask", "last_axis"], ["mask3"]),
      node("Mul", ["embedded", "mask3"], ["masked"]),
      node("ReduceSum", ["masked", "token_axis"], ["summed"], [int("keepdims", 0)]),
      node("ReduceSum", ["mask3", "token_axis"], ["count"], [int("keepdims", 0)]),
      node("Div", ["summed", "count"], ["pooled"]),
      node("MatMul", ["pooled", "classifier"], ["scores"]),
      node("Add", ["scores", "bias"], ["logits"]),
    ],
    initializer: [
      tensor("embedding", [size, n], T.FLOAT, { floatData: embedding }),
      tensor("last_axis", [1], T.INT64, { int64Data: [-1] }),
      tensor("token_axis", [1], T.INT64, { int64Data: [1] }),
      tensor("classifier", [n, n], T.FLOAT, { floatData: identity }),
      tensor("bias", [n], T.FLOAT, { floatData: bias }),
    ],
    input: [
      value("input_ids", T.INT64, ["batch", "sequence"]),
      value("attention_mask", T.INT64, ["batch", "sequence"]),
    ],
    output: [value("logits", T.FLOAT, ["batch", n])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: "bulwark-test",
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * tokenizer.json of a SentencePiece-style Unigram tokenizer (Metaspace pre-tokenizer, as
 * DeBERTa-v3 has) whose ids for the special tokens and words are the WordPiece ones.
 */
export function tinyUnigramTokenizerJson(): object {
  const wordPiece = tinyTokenizerJson() as { added_tokens: unknown; post_processor: unknown };
  const words = Object.keys(tinyVocabulary());
  const metaspace = { replacement: "▁", prepend_scheme: "always", split: true };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: wordPiece.added_tokens,
    normalizer: { type: "Lowercase" },
    pre_tokenizer: { type: "Metaspace", ...metaspace },
    post_processor: wordPiece.post_processor,
    decoder: { type: "Metaspace", ...metaspace },
    model: {
      type: "Unigram",
      unk_id: SPECIAL.indexOf("[UNK]"),
      byte_fallback: false,
      vocab: [
        ...words.map((w) => [SPECIAL.includes(w) ? w : `▁${w}`, SPECIAL.includes(w) ? 0 : -2]),
        ...PIECES.map((p) => [p, p === "▁" ? -3 : -5]),
      ],
    },
  };
}

/** tokenizer.json of a BERT-style WordPiece tokenizer over the tiny vocabulary. */
export function tinyTokenizerJson(): object {
  const vocab = tinyVocabulary();
  const special = (content: string) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const token = (id: string) => ({ id, ids: [vocab[id]], tokens: [id] });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(special),
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: { "[CLS]": token("[CLS]"), "[SEP]": token("[SEP]") },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

/** Writes the folder and returns its path (`dir` itself). */
export function writeTinyClassifier(dir: string, options: TinyClassifierOptions = {}): string {
  const labels = options.labels ?? ["SAFE", "INJECTION"];
  const graphFile = options.graphFile ?? "model.onnx";
  mkdirSync(join(dir, graphFile, ".."), { recursive: true });
  const json = (file: string, doc: unknown) =>
    writeFileSync(join(dir, file), `${JSON.stringify(doc, null, 2)}\n`);
  json("config.json", {
    architectures: ["BertForSequenceClassification"],
    model_type: "bert",
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    max_position_embeddings: options.maxLength ?? 128,
  });
  json("tokenizer.json", options.tokenizer === "unigram" ? tinyUnigramTokenizerJson() : tinyTokenizerJson());
  if (!options.noTokenizerConfig)
    json("tokenizer_config.json", {
      tokenizer_class: "BertTokenizer",
      do_lower_case: true,
      model_max_length: options.maxLength ?? 128,
      pad_token: "[PAD]",
      unk_token: "[UNK]",
      cls_token: "[CLS]",
      sep_token: "[SEP]",
    });
  writeFileSync(join(dir, graphFile), tinyClassifierGraph(labels));
  return dir;
}
