/**
 * Finds canary tokens in an LLM's answer: the ones the caller names, and any token of
 * Bulwark's canary shape. A model talked into leaking its prompt is often also talked
 * into disguising it, so each token is looked for
 * - as it is;
 * - in the skeleton of the text (case, spacing, separators, look-alike letters undone),
 *   forwards, backwards and under ROT13;
 * - inside every payload the decoders of src/text find (base64, hex, URL-encoding, binary,
 *   Morse, Unicode tags...), nested up to the decoding budget's depth;
 * - as its own base64 (at the three byte alignments) and hex, for an encoding the
 *   decoders do not accept as text.
 * A named token shorter than 12 letters and digits is looked for as it is and encoded
 * only: a short skeleton would match ordinary words.
 */
import { DecodeBudget } from "../../text/decode-budget.js";
import { findPayloads, rot13 } from "../../text/payloads.js";
import { CANARY_PREFIX, CANARY_RANDOM_CHARS, looksRandom } from "./canary-token.js";
import { skeletonOf, skeletonText, type Skeleton } from "./skeleton.js";
import type { CanaryFinding, CanaryForm, OutputEvidence } from "./types.js";

const MIN_SKELETON = 12;
const MAX_FINDINGS = 64;

interface Target {
  token: string;
  index: number;
  forms: TokenForms;
}

/** What a named token is searched as, besides itself; worked out once per token and kept. */
interface TokenForms {
  /** Skeleton needles: as written, reversed, ROT13 (none for a short token). */
  needles: [View, string][];
  base64: string[];
  hex: string;
}

const formsCache = new Map<string, TokenForms>();
const FORMS_CACHE_SIZE = 1024;

function formsOf(token: string): TokenForms {
  let forms = formsCache.get(token);
  if (forms) return forms;
  const skeleton = skeletonText(token);
  forms = {
    needles:
      skeleton.length >= MIN_SKELETON
        ? [
            ["plain", skeleton],
            ["reversed", reverse(skeleton)],
            ["rot13", rot13(skeleton)],
          ]
        : [],
    base64: base64Cores(token),
    hex: Buffer.from(token, "utf8").toString("hex"),
  };
  // Applications name the same few canaries on every call; a flood of new ones starts over.
  if (formsCache.size >= FORMS_CACHE_SIZE) formsCache.clear();
  formsCache.set(token, forms);
  return forms;
}

/** A text to search: the output itself, or a payload decoded from it. */
interface Layer {
  text: string;
  /** Where in the output the layer starts (the payload's offset for a decoded one). */
  offset: number;
  /** The encodings peeled off to reach it ("base64", "base64+hex"); undefined for the output. */
  encoding: string | undefined;
}

/** The findings, once each; at most MAX_FINDINGS of each source, so decoys of the shape cannot crowd out a named canary. */
class Findings {
  readonly list: CanaryFinding[] = [];
  private readonly seen = new Set<string>();
  private readonly count = { given: 0, shape: 0 };

  add(f: CanaryFinding): void {
    const key = `${f.source}:${f.index ?? f.token}:${f.offset}`;
    if (this.seen.has(key) || this.count[f.source] >= MAX_FINDINGS) return;
    this.seen.add(key);
    this.count[f.source]++;
    this.list.push(f);
  }

  has(index: number): boolean {
    return this.list.some((f) => f.index === index);
  }
}

/** Where `needle` occurs, the first `max` times. */
function allIndexes(haystack: string, needle: string, max = MAX_FINDINGS): number[] {
  const out: number[] = [];
  for (let i = haystack.indexOf(needle); i >= 0 && out.length < max; i = haystack.indexOf(needle, i + 1))
    out.push(i);
  return out;
}

/** The skeleton positions [start, end] back in the layer's text. */
function span(sk: Skeleton, start: number, length: number): [number, number] {
  return [sk.offsets[start]!, sk.offsets[start + length - 1]! + 1];
}

/** The ways a token's skeleton may be written: as it is, backwards, under ROT13. */
type View = "plain" | "reversed" | "rot13";

const reverse = (s: string) => [...s].reverse().join("");

const RANDOM_PART = new RegExp(`^[a-z2-7]{${CANARY_RANDOM_CHARS}}$`);

/**
 * The canary shape in a skeleton, read each way: where the prefix is written, where the
 * random part is relative to it, and how to turn the written part back into the token's
 * (a reversed token reads backwards, prefix last). Found by the prefix with indexOf: a
 * pattern that starts with a 26-character class retries it at every position.
 */
const SHAPES: { view: View; marker: string; before: boolean; random: (written: string) => string }[] = [
  { view: "plain", marker: "bwcanary", before: false, random: (w) => w },
  { view: "reversed", marker: reverse("bwcanary"), before: true, random: reverse },
  { view: "rot13", marker: rot13("bwcanary"), before: false, random: rot13 },
];

/** Each [start, length, written random part] of a shape in the skeleton. */
function* shapesIn(skeleton: string, shape: (typeof SHAPES)[number]): Generator<[number, number, string]> {
  const n = CANARY_RANDOM_CHARS;
  // Every occurrence of the prefix: a leaked token must not hide behind 64 decoys.
  for (const at of allIndexes(skeleton, shape.marker, Infinity)) {
    const start = shape.before ? at - n : at;
    if (start < 0) continue;
    const part = shape.before
      ? skeleton.slice(start, at)
      : skeleton.slice(at + shape.marker.length, at + shape.marker.length + n);
    if (RANDOM_PART.test(part)) yield [start, n + shape.marker.length, part];
  }
}

function searchLayer(layer: Layer, targets: Target[], shapes: boolean, found: Findings): void {
  const { text } = layer;
  const at = (local: number) => (layer.encoding === undefined ? local : layer.offset);
  const formOf = (view: View, exact: boolean): CanaryForm => {
    if (layer.encoding !== undefined) return view === "plain" ? layer.encoding : `${layer.encoding}+${view}`;
    return view === "plain" ? (exact ? "exact" : "obfuscated") : view;
  };

  for (const t of targets)
    for (const i of allIndexes(text, t.token))
      found.add({
        token: t.token,
        source: "given",
        index: t.index,
        form: formOf("plain", true),
        offset: at(i),
      });

  // A reversed or ROT13 token is looked for as the reversed or ROT13 needle in the
  // skeleton itself, so the skeleton is built once and never rewritten.
  const sk = skeletonOf(text);
  for (const t of targets) {
    for (const [view, needle] of t.forms.needles)
      for (const pos of allIndexes(sk.text, needle)) {
        const [start, end] = span(sk, pos, needle.length);
        const exact = view === "plain" && text.slice(start, end) === t.token;
        found.add({
          token: t.token,
          source: "given",
          index: t.index,
          form: formOf(view, exact),
          offset: at(start),
        });
      }
  }
  if (!shapes) return;
  for (const shape of SHAPES)
    for (const [pos, length, written] of shapesIn(sk.text, shape)) {
      const random = shape.random(written);
      if (!looksRandom(random)) continue;
      const token = CANARY_PREFIX + random;
      const [start, end] = span(sk, pos, length);
      const exact = shape.view === "plain" && text.slice(start, end) === token;
      const given = targets.find((t) => t.token === token);
      const form = formOf(shape.view, exact);
      if (given) found.add({ token, source: "given", index: given.index, form, offset: at(start) });
      else found.add({ token, source: "shape", form, offset: at(start) });
    }
}

/** Every payload decoded from `text`, nested ones too, as far as the budget allows. */
function decodedLayers(
  text: string,
  budget: DecodeBudget,
  depth = 0,
  outer?: Layer,
  out: Layer[] = [],
): Layer[] {
  if (depth >= budget.limits.maxDepth) return out;
  for (const p of findPayloads(text, budget)) {
    // ROT13 applies to the whole text, and the skeleton's ROT13 view already reads it in place.
    if (p.encoding === "rot13") continue;
    const layer: Layer = {
      text: p.text,
      offset: outer ? outer.offset : p.offset,
      encoding: outer?.encoding ? `${outer.encoding}+${p.encoding}` : p.encoding,
    };
    out.push(layer);
    decodedLayers(p.text, budget, depth + 1, layer, out);
  }
  return out;
}

/** The token's base64 as it reads inside a longer base64 run, at each byte alignment. */
function base64Cores(token: string): string[] {
  const bytes = Buffer.from(token, "utf8");
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    // Only the characters made of the token's bits alone: the first and last may mix with neighbours.
    const core = encoded.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6));
    if (core.length >= 16) out.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return out;
}

function searchEncodedForms(output: string, targets: Target[], found: Findings): void {
  let lower: string | undefined;
  for (const t of targets) {
    if (found.has(t.index)) continue;
    for (const core of t.forms.base64)
      for (const i of allIndexes(output, core))
        found.add({ token: t.token, source: "given", index: t.index, form: "base64", offset: i });
    lower ??= output.toLowerCase();
    for (const i of allIndexes(lower, t.forms.hex))
      found.add({ token: t.token, source: "given", index: t.index, form: "hex", offset: i });
  }
}

export function findCanaries(
  output: string,
  canaries: readonly string[],
  options: { shapes?: boolean; budget?: DecodeBudget } = {},
): CanaryFinding[] {
  const shapes = options.shapes !== false;
  const targets: Target[] = canaries.map((token, index) => ({ token, index, forms: formsOf(token) }));
  if (targets.length === 0 && !shapes) return [];
  const found = new Findings();
  searchLayer({ text: output, offset: 0, encoding: undefined }, targets, shapes, found);
  for (const layer of decodedLayers(output, options.budget ?? new DecodeBudget()))
    searchLayer(layer, targets, shapes, found);
  searchEncodedForms(output, targets, found);
  return found.list.sort((a, b) => a.offset - b.offset);
}

/** The evidence for each finding: a named canary is certain, a shape alone nearly so. */
export function canaryEvidence(findings: readonly CanaryFinding[], output: string): OutputEvidence[] {
  return findings.map((f) => {
    const family =
      f.form === "exact"
        ? "exact"
        : ["obfuscated", "reversed", "rot13"].includes(f.form)
          ? "obfuscated"
          : "encoded";
    const which = f.source === "given" ? `canary ${f.index}` : "a token of Bulwark's canary shape";
    const how =
      family === "exact"
        ? "verbatim"
        : family === "obfuscated"
          ? `disguised (${f.form})`
          : `encoded (${f.form})`;
    return {
      kind: "canary",
      id: `canary.${family}`,
      category: "system_extraction",
      description: `${which} appears ${how}: the system prompt that held it leaked`,
      offset: f.offset,
      excerpt: output.slice(f.offset, f.offset + Math.min(80, Math.max(f.token.length, 16))),
      score: f.source === "given" ? (family === "exact" ? 1 : 0.98) : 0.95,
    };
  });
}
