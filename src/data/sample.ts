/**
 * One labelled text, the unit of every dataset: `{text, label, category, source, lang}`,
 * and optionally `group`: rows of one source with the same group are versions of one item
 * (its translations, the clean and injected copies of one document) and always fall on the
 * same side of a train/validation split; and optionally `subject`, the end user the text came
 * from (stored only as a keyed hash, see the catalogue). Validation names the field and says
 * what was expected, so a bad row can be fixed.
 */
import { CATEGORIES } from "../detect/types.js";

export const SAMPLE_CATEGORIES = [...CATEGORIES, "benign", "harmful_request"] as const;
export type SampleCategory = (typeof SAMPLE_CATEGORIES)[number];

export interface Sample {
  text: string;
  label: 0 | 1;
  category: SampleCategory;
  source: string;
  lang: string | null;
  /** Rows of one source sharing a group are one item in several versions (see the header). */
  group?: string;
  /**
   * The end user the text came from, so their rows can be found for erasure. A dataset in
   * the catalogue keeps it only as a keyed hash (`sub_` and 32 hex digits, `privacy/`).
   */
  subject?: string;
}

export const MAX_SAMPLE_CHARS = 1_000_000;

export interface SampleProblem {
  field: string;
  message: string;
}

const KNOWN_FIELDS = new Set([
  "text",
  "label",
  "category",
  "source",
  "lang",
  "group",
  "subject",
  "id",
  "meta",
  "metadata",
]);
const MAX_GROUP_CHARS = 200;
const MAX_SUBJECT_CHARS = 256;

/**
 * Checks one parsed row. Returns the sample, or the problems found. `category` defaults
 * to "benign" for label 0; a label-1 row must say which attack category it is.
 */
export function checkSample(
  value: unknown,
  defaults: { source?: string } = {},
): { sample: Sample; problems?: undefined } | { sample?: undefined; problems: SampleProblem[] } {
  const problems: SampleProblem[] = [];
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return { problems: [{ field: "(row)", message: "expected a JSON object" }] };
  }
  const row = value as Record<string, unknown>;
  const { text, label, category, source, lang, group, subject } = row;
  if (typeof text !== "string")
    problems.push({ field: "text", message: `expected a string, got ${describe(text)}` });
  else if (text.trim() === "") problems.push({ field: "text", message: "expected a non-empty string" });
  else if (text.length > MAX_SAMPLE_CHARS)
    problems.push({ field: "text", message: `longer than ${MAX_SAMPLE_CHARS} characters` });
  if (label !== 0 && label !== 1)
    problems.push({ field: "label", message: `expected 0 or 1, got ${describe(label)}` });
  let cat: SampleCategory | undefined;
  if (category === undefined || category === null) {
    if (label === 0) cat = "benign";
    else if (label === 1)
      problems.push({ field: "category", message: `required for label 1: one of ${CATEGORIES.join(", ")}` });
  } else if (typeof category !== "string" || !(SAMPLE_CATEGORIES as readonly string[]).includes(category)) {
    problems.push({
      field: "category",
      message: `expected one of ${SAMPLE_CATEGORIES.join(", ")}, got ${describe(category)}`,
    });
  } else {
    cat = category as SampleCategory;
    const attack = (CATEGORIES as readonly string[]).includes(cat);
    if (label === 1 && !attack)
      problems.push({ field: "category", message: `label 1 needs an attack category, got "${cat}"` });
    if (label === 0 && attack)
      problems.push({ field: "category", message: `label 0 cannot have attack category "${cat}"` });
  }
  let src = defaults.source ?? "unknown";
  if (source !== undefined && source !== null) {
    if (typeof source !== "string" || source === "")
      problems.push({ field: "source", message: `expected a non-empty string, got ${describe(source)}` });
    else src = source;
  }
  let language: string | null = null;
  if (lang !== undefined && lang !== null) {
    if (typeof lang !== "string" || !/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$/.test(lang)) {
      problems.push({
        field: "lang",
        message: `expected an ISO 639-1 code like "en" or null, got ${describe(lang)}`,
      });
    } else language = lang;
  }
  if (group !== undefined && group !== null) {
    if (typeof group !== "string" || group === "" || group.length > MAX_GROUP_CHARS)
      problems.push({
        field: "group",
        message: `expected a non-empty string of at most ${MAX_GROUP_CHARS} characters or null, got ${describe(group)}`,
      });
  }
  if (subject !== undefined && subject !== null) {
    if (
      typeof subject !== "string" ||
      subject.trim() === "" ||
      subject.length > MAX_SUBJECT_CHARS ||
      /[\u0000-\u001f\u007f]/.test(subject)
    )
      problems.push({
        field: "subject",
        message: `expected the end user's id, a non-empty string of at most ${MAX_SUBJECT_CHARS} characters without control characters, or null, got ${describe(subject)}`,
      });
  }
  const unknown = Object.keys(row).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length)
    problems.push({
      field: unknown[0]!,
      message: `unknown field (allowed: text, label, category, source, lang, group, subject)`,
    });
  if (problems.length) return { problems };
  const sample: Sample = {
    text: text as string,
    label: label as 0 | 1,
    category: cat!,
    source: src,
    lang: language,
  };
  if (typeof group === "string") sample.group = group;
  if (typeof subject === "string") sample.subject = subject;
  return { sample };
}

/** A sample as the row written to a file: the five fields, and the group and subject when it has them. */
export function sampleRow(s: Sample): Record<string, unknown> {
  const row: Record<string, unknown> = {
    text: s.text,
    label: s.label,
    category: s.category,
    source: s.source,
    lang: s.lang,
  };
  if (s.group !== undefined) row.group = s.group;
  if (s.subject !== undefined) row.subject = s.subject;
  return row;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing (missing)";
  if (v === null) return "null";
  if (typeof v === "string") return `"${v.length > 30 ? `${v.slice(0, 30)}...` : v}"`;
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}
