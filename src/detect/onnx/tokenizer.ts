/**
 * The model's own tokenizer, built from its tokenizer.json (and tokenizer_config.json when
 * the folder has one) by @huggingface/tokenizers, the pure JavaScript implementation of
 * Hugging Face's tokenizers that transformers.js uses: the ids the model sees are the ids
 * it was trained on, special tokens ([CLS], [SEP], <s>...) included.
 */
import { ValidationError } from "../../core/errors.js";
import { tokenizerLibrary, type TokenizersModule } from "./runtime.js";

type HfTokenizer = InstanceType<TokenizersModule["Tokenizer"]>;

/** A sequence length in a config file that means "no limit" (transformers writes 1e30). */
const NO_LIMIT = 1_000_000;

export class TransformerTokenizer {
  private constructor(
    private readonly tokenizer: HfTokenizer,
    /** The id padding is written with (attention mask 0, so its value does not count). */
    readonly padId: number,
  ) {}

  /** A tokenizer from the parsed tokenizer.json and tokenizer_config.json (`{}` without one). */
  static async create(tokenizerJson: unknown, tokenizerConfig: unknown = {}): Promise<TransformerTokenizer> {
    const { Tokenizer } = await tokenizerLibrary();
    let tokenizer: HfTokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerJson as object, (tokenizerConfig ?? {}) as object);
      tokenizer.encode("bulwark");
    } catch (err) {
      throw new ValidationError(`tokenizer.json cannot be used: ${(err as Error).message}`);
    }
    return new TransformerTokenizer(tokenizer, padIdOf(tokenizer, tokenizerJson, tokenizerConfig));
  }

  /** Token ids of a text, with the special tokens the model expects around it. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text).ids;
  }
}

function padIdOf(tokenizer: HfTokenizer, json: unknown, config: unknown): number {
  const padding = (json as { padding?: { pad_id?: unknown } } | null)?.padding;
  if (typeof padding?.pad_id === "number") return padding.pad_id;
  const named = (config as { pad_token?: unknown } | null)?.pad_token;
  const token = typeof named === "string" ? named : (named as { content?: string } | undefined)?.content;
  for (const t of [token, "[PAD]", "<pad>"]) {
    const id = t === undefined ? undefined : tokenizer.token_to_id(t);
    if (id !== undefined) return id;
  }
  return 0;
}

/**
 * The longest sequence the model takes: the smallest limit its files state
 * (tokenizer_config.json `model_max_length`, config.json `max_position_embeddings`,
 * tokenizer.json's truncation), 512 when none does.
 */
export function modelMaxLength(config: unknown, tokenizerConfig: unknown, tokenizerJson: unknown): number {
  const candidates = [
    (tokenizerConfig as { model_max_length?: unknown } | null)?.model_max_length,
    (config as { max_position_embeddings?: unknown } | null)?.max_position_embeddings,
    (tokenizerJson as { truncation?: { max_length?: unknown } } | null)?.truncation?.max_length,
  ].filter((n): n is number => typeof n === "number" && Number.isInteger(n) && n >= 8 && n < NO_LIMIT);
  return candidates.length > 0 ? Math.min(...candidates) : 512;
}
