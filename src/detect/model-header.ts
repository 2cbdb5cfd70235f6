/**
 * The header of a built-in model file, checked field by field before anything is
 * allocated from it. A model file can come from anyone (`--model FILE`, `createDetector`),
 * and its header decides how much memory the model takes (`features.bits`,
 * `categoryBits`: 2^bits weights), which file is opened beside it (`features.embeddings.name`
 * becomes a path under data/embeddings) and how many bytes each section claims. So every
 * field must have its type, lie in the range the trainer produces (`train/params.ts`), name
 * only plain files, and the sections must add up to exactly the bytes the file holds.
 * A refusal names the file and the field.
 */
import type { ModelMeta } from "./model-meta.js";
import { IntegrityError, ValidationError } from "../core/errors.js";
import { EMBEDDINGS_NAME } from "./embeddings.js";
import { validateRules, type RulesDocument } from "./rules.js";
import type { FeatureConfig } from "./features.js";
import { CATEGORIES } from "./types.js";

/** The largest header read at all: a real one is some 20 KB, mostly the rules. */
export const MAX_HEADER_BYTES = 4 * 1024 * 1024;

export interface SectionInfo {
  name: string;
  dtype: "u32" | "f32";
  count: number;
}

/** The sections a model has, in order, and the type of each. */
const SECTIONS: readonly SectionInfo["name"][] = [
  "weights.index",
  "weights.value",
  "category.index",
  "category.value",
];
const DTYPE: Record<string, SectionInfo["dtype"]> = {
  "weights.index": "u32",
  "weights.value": "f32",
  "category.index": "u32",
  "category.value": "f32",
};

/** A header field that is not what a model file may hold. */
export class ModelHeaderError extends IntegrityError {
  constructor(source: string, field: string, expected: string, got: unknown) {
    super(`${source}: model header field "${field}" must be ${expected}, got ${shown(got)}`, {
      file: source,
      field,
    });
    this.name = "ModelHeaderError";
  }
}

function shown(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (v === undefined) return "nothing";
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The checks, bound to one file: each returns the value typed or throws naming the field. */
function checker(source: string) {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new ModelHeaderError(source, field, expected, got);
  };
  return {
    fail,
    object(o: Obj, field: string, key = field.split(".").pop()!): Obj {
      const v = o[key];
      return isObject(v) ? v : fail(field, "an object", v);
    },
    integer(o: Obj, field: string, min: number, max: number, key = field.split(".").pop()!): number {
      const v = o[key];
      return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
        ? v
        : fail(field, `an integer from ${min} to ${max}`, v);
    },
    number(o: Obj, field: string, min: number, max: number, key = field.split(".").pop()!): number {
      const v = o[key];
      return typeof v === "number" && Number.isFinite(v) && v >= min && v <= max
        ? v
        : fail(field, `a number from ${min} to ${max}`, v);
    },
    boolean(o: Obj, field: string, key = field.split(".").pop()!): boolean {
      const v = o[key];
      return typeof v === "boolean" ? v : fail(field, "true or false", v);
    },
    string(o: Obj, field: string, maxLength: number, key = field.split(".").pop()!): string {
      const v = o[key];
      return typeof v === "string" && v.length <= maxLength
        ? v
        : fail(field, `a string of at most ${maxLength} characters`, v);
    },
  };
}

/** A header whose every field was checked: the model's metadata and its section table. */
export type CheckedHeader = Omit<ModelMeta, "format"> & { format: string; sections: SectionInfo[] };

/**
 * Checks a parsed header. `sectionBytes` is what the file holds after the header and its
 * padding: the sections must fill it exactly.
 */
export function checkModelHeader(header: unknown, sectionBytes: number, source: string): CheckedHeader {
  const c = checker(source);
  if (!isObject(header)) return c.fail("(header)", "a JSON object", header);
  const features = c.object(header, "features");
  const bits = c.integer(features, "features.bits", 8, 24);
  const charMax = c.integer(features, "features.charMax", 1, 10);
  const charMin = c.integer(features, "features.charMin", 1, charMax);
  const rawEmbeddings = features.embeddings;
  let embeddings: FeatureConfig["embeddings"] = null;
  if (rawEmbeddings !== null) {
    const e = isObject(rawEmbeddings)
      ? rawEmbeddings
      : c.fail("features.embeddings", "null or an object", rawEmbeddings);
    const name = e.name;
    if (typeof name !== "string" || !EMBEDDINGS_NAME.test(name))
      c.fail("features.embeddings.name", `a plain name matching ${EMBEDDINGS_NAME}`, name);
    const dims = c.integer(e, "features.embeddings.dims", 1, 4096);
    if (e.sha256 !== undefined && (typeof e.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(e.sha256)))
      c.fail("features.embeddings.sha256", "64 lower-case hex digits", e.sha256);
    embeddings = {
      name: name as string,
      dims,
      ...(e.sha256 === undefined ? {} : { sha256: e.sha256 as string }),
    };
  }
  const checkedFeatures: FeatureConfig = {
    bits,
    charMin,
    charMax,
    wordBigrams: c.boolean(features, "features.wordBigrams"),
    charShrink: c.number(features, "features.charShrink", 0, 10_000),
    wordShrink: c.number(features, "features.wordShrink", 0, 10_000),
    lengthFeatures: c.boolean(features, "features.lengthFeatures"),
    ...(features.framingCrosses === undefined
      ? {}
      : { framingCrosses: c.boolean(features, "features.framingCrosses") }),
    embeddings,
  };
  const categoryBits = c.integer(header, "categoryBits", 8, bits);
  const window = c.object(header, "window");
  const size = c.integer(window, "window.size", 64, 100_000);
  const stride = c.integer(window, "window.stride", 16, size);
  const calibration = c.object(header, "calibration");
  const categoryBias = header.categoryBias;
  if (
    !Array.isArray(categoryBias) ||
    categoryBias.length !== CATEGORIES.length ||
    categoryBias.some((b) => typeof b !== "number" || !Number.isFinite(b))
  )
    c.fail("categoryBias", `${CATEGORIES.length} finite numbers`, categoryBias);
  let rules: RulesDocument;
  try {
    rules = validateRules(header.rules, `${source}: model header field "rules"`);
  } catch (err) {
    if (err instanceof ValidationError)
      throw new IntegrityError(err.message, { file: source, field: "rules" });
    throw err;
  }
  const records = ["params", "metrics", "training"].map((k) => c.object(header, k));
  return {
    format: c.string(header, "format", 64),
    name: c.string(header, "name", 256),
    version: c.string(header, "version", 256),
    createdAt: c.string(header, "createdAt", 64),
    features: checkedFeatures,
    categoryBits,
    window: { size, stride },
    calibration: {
      a: c.number(calibration, "calibration.a", -1e6, 1e6),
      b: c.number(calibration, "calibration.b", -1e6, 1e6),
    },
    threshold: c.number(header, "threshold", 0, 1),
    bias: c.number(header, "bias", -1e6, 1e6),
    categoryBias: categoryBias as number[],
    rules,
    params: records[0]!,
    metrics: records[1]!,
    training: records[2]!,
    sections: checkSections(header.sections, checkedFeatures, categoryBits, sectionBytes, source),
  };
}

/**
 * The four sections, in order, of the right types, none holding more values than its
 * weights have rows, and together exactly the bytes left in the file: a count is never
 * trusted to size anything the file does not hold.
 */
function checkSections(
  raw: unknown,
  features: FeatureConfig,
  categoryBits: number,
  sectionBytes: number,
  source: string,
): SectionInfo[] {
  const c = checker(source);
  if (!Array.isArray(raw) || raw.length !== SECTIONS.length)
    return c.fail("sections", `an array of the ${SECTIONS.length} sections ${SECTIONS.join(", ")}`, raw);
  const weightRows = (1 << features.bits) + (features.embeddings?.dims ?? 0);
  const maxCount: Record<string, number> = {
    "weights.index": weightRows,
    "weights.value": weightRows,
    "category.index": 1 << categoryBits,
    "category.value": (1 << categoryBits) * CATEGORIES.length,
  };
  let total = 0;
  const sections = raw.map((s: unknown, i) => {
    const field = `sections[${i}]`;
    if (!isObject(s)) return c.fail(field, "an object", s);
    const name = SECTIONS[i]!;
    if (s.name !== name) c.fail(`${field}.name`, `"${name}"`, s.name);
    if (s.dtype !== DTYPE[name]) c.fail(`${field}.dtype`, `"${DTYPE[name]}"`, s.dtype);
    const count = c.integer(s, `${field}.count`, 0, maxCount[name]!, "count");
    total += count * 4;
    if (total > sectionBytes)
      c.fail(`${field}.count`, `at most what the file holds (${sectionBytes} bytes of sections)`, count);
    return { name, dtype: DTYPE[name]!, count };
  });
  if (total !== sectionBytes)
    c.fail("sections", `sizes that add up to the ${sectionBytes} bytes the file holds`, `${total} bytes`);
  return sections;
}
