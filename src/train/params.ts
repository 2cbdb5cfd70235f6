/**
 * Training parameters: one TypeBox schema gives their types, their allowed ranges and the
 * check every caller goes through (library, `bulwark train --params`, the HTTP training job).
 * Parameters arrive from users, and some values never finish: a window stride of 1e-300
 * makes windowing loop forever and `epochs: 1e9` trains for ever, so they are refused here,
 * before any data is read. Importing this module has no side effects, so the HTTP route and
 * the job can reuse the schema.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType, type ValueError } from "@sinclair/typebox/value";
import { ValidationError } from "../core/errors.js";
import { loadEmbeddings } from "../detect/embeddings.js";
import { DEFAULT_FEATURES } from "../detect/features.js";

const Fraction = (description: string) =>
  Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description });

export const FeatureConfigSchema = Type.Object(
  {
    bits: Type.Integer({ minimum: 8, maximum: 24, description: "Hashed feature buckets: 2^bits" }),
    charMin: Type.Integer({ minimum: 1, maximum: 10, description: "Shortest character n-gram" }),
    charMax: Type.Integer({ minimum: 1, maximum: 10, description: "Longest character n-gram" }),
    wordBigrams: Type.Boolean(),
    charShrink: Type.Number({
      minimum: 0,
      maximum: 10_000,
      description: "Pseudo-count that shrinks short texts' character features towards the bias",
    }),
    wordShrink: Type.Number({ minimum: 0, maximum: 10_000, description: "The same for word features" }),
    lengthFeatures: Type.Boolean({ description: "Length buckets as features" }),
    framingCrosses: Type.Optional(
      Type.Boolean({ description: "Framing and harmful-topic cues and their conjunction as features" }),
    ),
    embeddings: Type.Union(
      [
        Type.Null(),
        Type.Object(
          {
            // A file name under data/embeddings: no separators, so it cannot leave that folder.
            name: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" }),
            dims: Type.Integer({ minimum: 1, maximum: 4096 }),
            sha256: Type.Optional(Type.String({ pattern: "^[0-9a-f]{64}$" })),
          },
          { additionalProperties: false },
        ),
      ],
      { description: "Pretrained word vectors pooled as dense features, or null" },
    ),
  },
  { additionalProperties: false },
);

export const WindowSchema = Type.Object(
  {
    size: Type.Integer({ minimum: 64, maximum: 100_000, description: "Characters per window" }),
    stride: Type.Integer({
      minimum: 16,
      maximum: 100_000,
      description: "Characters between window starts, at most the window size",
    }),
  },
  { additionalProperties: false },
);

const fields = {
  seed: Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, description: "Random seed" }),
  epochs: Type.Integer({ minimum: 1, maximum: 100, description: "Passes over the data" }),
  alpha: Type.Number({ exclusiveMinimum: 0, maximum: 10, description: "FTRL learning rate" }),
  beta: Type.Number({ minimum: 0, maximum: 100, description: "FTRL learning-rate smoothing" }),
  l1: Type.Number({ minimum: 0, maximum: 10, description: "L1 regularisation" }),
  l2: Type.Number({ minimum: 0, maximum: 10, description: "L2 regularisation" }),
  positiveWeight: Type.Number({ exclusiveMinimum: 0, maximum: 100, description: "Weight of an attack row" }),
  sourceBalance: Type.Number({
    minimum: 0,
    maximum: 1,
    description: "0: every row counts the same; 1: every source counts the same in total",
  }),
  classBalance: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 1,
      description:
        "Within a source that has both labels, how far its attacks and benign rows are evened out (0: by row; 1: each half weighs the same): a source's few look-alike benign rows are its hard negatives",
    }),
  ),
  validationFraction: Fraction("Share of the data held out for calibration and metrics"),
  maxFpr: Fraction("Largest false-positive rate on benign validation texts the threshold may give"),
  thresholdFolds: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 50,
      description:
        "0: calibration and threshold from the validation split; k >= 2: calibration from the scores of k extra models, each trained with a group of whole sources held out, and a threshold that also keeps heldOutMaxFpr on them (k more trainings; at most one group per source)",
    }),
  ),
  heldOutMaxFpr: Type.Optional(
    Fraction(
      "With thresholdFolds: the largest false-positive rate, averaged over the held-out sources with benign rows, the threshold may give",
    ),
  ),
  features: FeatureConfigSchema,
  categoryBits: Type.Integer({
    minimum: 8,
    maximum: 24,
    description: "Category head buckets: 2^categoryBits, at most features.bits",
  }),
  categoryLr: Type.Number({ exclusiveMinimum: 0, maximum: 10, description: "Category head learning rate" }),
  window: WindowSchema,
  augmentIndirect: Type.Number({
    minimum: 0,
    maximum: 10,
    description: "Synthetic indirect injections, as a multiple of the training attacks (0: none)",
  }),
  augmentChat: Type.Number({
    minimum: 0,
    maximum: 10,
    description: "Benign requests wrapped in greetings, as a multiple of the training benign rows (0: none)",
  }),
};

/** Every parameter, as a model records them. */
export const TrainParamsSchema = Type.Object(fields, { additionalProperties: false });

/** What callers pass: any subset, nested objects partly too; the rest comes from the defaults. */
export const TrainParamsOverridesSchema = Type.Partial(
  Type.Object(
    {
      ...fields,
      features: Type.Partial(FeatureConfigSchema),
      window: Type.Partial(WindowSchema),
    },
    { additionalProperties: false },
  ),
);

export type TrainParams = Static<typeof TrainParamsSchema>;
export type TrainParamsOverrides = Static<typeof TrainParamsOverridesSchema>;

export const DEFAULT_PARAMS: TrainParams = {
  seed: 1337,
  epochs: 6,
  alpha: 0.2,
  beta: 1,
  l1: 0.0002,
  l2: 0.0001,
  positiveWeight: 1,
  sourceBalance: 1,
  // Half-way: held out whole, wildguard_benign's false positives fell from 32% to 25% (BENCHMARKS.md).
  classBalance: 0.5,
  validationFraction: 0.15,
  maxFpr: 0.01,
  thresholdFolds: 0,
  heldOutMaxFpr: 0.05,
  features: DEFAULT_FEATURES,
  categoryBits: 18,
  categoryLr: 0.2,
  window: { size: 1024, stride: 768 },
  augmentIndirect: 0,
  augmentChat: 0.1,
};

/**
 * Checks caller-supplied overrides, alone and laid over the defaults (a stride is only
 * wrong against a window size), and returns them typed. Throws a ValidationError naming
 * the parameter and what it may be.
 */
export function parseTrainParams(overrides: unknown): TrainParamsOverrides {
  const error = Value.Errors(TrainParamsOverridesSchema, overrides ?? {}).First();
  if (error) throw new ValidationError(describe(error), { path: dotted(error.path) });
  const checked = (overrides ?? {}) as TrainParamsOverrides;
  checkParams(merge(checked));
  return checked;
}

/** The parameters a training run uses: defaults, then the checked overrides, with embeddings pinned. */
export function resolveParams(overrides: TrainParamsOverrides = {}): TrainParams {
  const p = merge(parseTrainParams(overrides));
  // Pin the exact embedding table the model is trained with.
  if (p.features.embeddings) {
    const table = loadEmbeddings(p.features.embeddings.name);
    p.features.embeddings = { name: table.name, dims: table.dims, sha256: table.sha256 };
  }
  return p;
}

function merge(overrides: TrainParamsOverrides): TrainParams {
  // The key order here is the order of the params recorded in the model file.
  return {
    ...DEFAULT_PARAMS,
    ...overrides,
    features: { ...DEFAULT_PARAMS.features, ...overrides.features },
    window: { ...DEFAULT_PARAMS.window, ...overrides.window },
  };
}

/** A complete set of parameters: the schema, then the rules that tie two parameters together. */
function checkParams(p: TrainParams): void {
  const error = Value.Errors(TrainParamsSchema, p).First();
  if (error) throw new ValidationError(describe(error), { path: dotted(error.path) });
  const refuse = (path: string, rule: string, value: number) => {
    throw new ValidationError(`training parameter ${path} must be ${rule}, got ${value}`, { path });
  };
  if (p.window.stride > p.window.size)
    refuse("window.stride", `an integer from 16 to window.size (${p.window.size})`, p.window.stride);
  if (p.thresholdFolds === 1) refuse("thresholdFolds", "0 (off) or an integer from 2 to 50", 1);
  if (p.categoryBits > p.features.bits)
    refuse("categoryBits", `an integer from 8 to features.bits (${p.features.bits})`, p.categoryBits);
  if (p.features.charMin > p.features.charMax)
    refuse(
      "features.charMin",
      `an integer from 1 to features.charMax (${p.features.charMax})`,
      p.features.charMin,
    );
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  // NaN and Infinity, which JSON would print as null.
  if (typeof value === "number") return String(value);
  return JSON.stringify(value) ?? String(value);
}

function dotted(path: string): string {
  return path.slice(1).replace(/\//g, ".");
}

function describe(error: ValueError): string {
  // A wrong member of a union (an embeddings object with a bad field) is reported by its field.
  if (error.errors.length > 0 && error.value !== null && typeof error.value === "object") {
    for (const branch of error.errors) {
      const inner = branch.First();
      if (inner && inner.path !== error.path) return describe(inner);
    }
  }
  const path = dotted(error.path);
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const known = Object.keys((error.schema as { properties?: object }).properties ?? {});
    return `${path} is not a training parameter (known here: ${known.join(", ")})`;
  }
  const got = show(error.value);
  if (!path) return `training parameters must be ${allowed(error.schema)}, got ${got}`;
  return `training parameter ${path} must be ${allowed(error.schema)}, got ${got}`;
}

/** The allowed values of a schema, in words: "an integer from 1 to 100", "a number greater than 0 and at most 10". */
function allowed(schema: TSchema): string {
  const s = schema as TSchema & {
    type?: string;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    exclusiveMaximum?: number;
    pattern?: string;
    anyOf?: TSchema[];
  };
  if (s.anyOf) return s.anyOf.map(allowed).join(" or ");
  switch (s.type) {
    case "integer":
    case "number": {
      const what = s.type === "integer" ? "an integer" : "a number";
      if (s.minimum !== undefined && s.maximum !== undefined)
        return `${what} from ${s.minimum} to ${s.maximum}`;
      const lo =
        s.exclusiveMinimum !== undefined ? `greater than ${s.exclusiveMinimum}` : `at least ${s.minimum}`;
      const hi =
        s.exclusiveMaximum !== undefined ? `less than ${s.exclusiveMaximum}` : `at most ${s.maximum}`;
      return `${what} ${lo} and ${hi}`;
    }
    case "boolean":
      return "true or false";
    case "string":
      return s.pattern ? `a string matching ${s.pattern}` : "a string";
    case "null":
      return "null";
    case "object":
      return "an object";
    default:
      return `a ${s.type ?? "value"}`;
  }
}
