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
import { CANARY_PREFIX, CANARY_RANDOM_CHARS } from "./canary-token.js";
import { skeletonOf, skeletonText, type Skeleton } from "./skeleton.js";
import type { CanaryFinding, CanaryForm, OutputEvidence } from "./types.js";

const MIN_SKELETON = 12;
const MAX_FINDINGS = 64;
/** The canary shape in a skeleton: the prefix without its dashes, then the random part. */
const SHAPE_IN_SKELETON = new RegExp(`bwcanary([a-z2-7]{${CANARY_RANDOM_CHARS}})`, "g");

interface Target {
  token: string;
  index: number;
  skeleton: string | undefined;
}

/** A text to search: the output itself, or a payload decoded from it. */
interface Layer {
  text: string;
  /** Where in the output the layer starts (the payload's offset for a decoded one). */
  offset: number;
  /** The encodings peeled off to reach it ("base64", "base64+hex"); undefined for the output. */
  encoding: string | undefined;
}

class Findings {
  readonly list: CanaryFinding[] = [];
  private readonly seen = new Set<string>();

  add(f: CanaryFinding): void {
    const key = `${f.source}:${f.index ?? f.token}:${f.offset}`;
    if (this.seen.has(key) || this.list.length >= MAX_FINDINGS) return;
    this.seen.add(key);
    this.list.push(f);
  }

  has(index: number): boolean {
    return this.list.some((f) => f.index === index);
  }
}

function allIndexes(haystack: string, needle: string): number[] {
  const out: number[] = [];
  for (
    let i = haystack.indexOf(needle);
    i >= 0 && out.length < MAX_FINDINGS;
    i = haystack.indexOf(needle, i + 1)
  )
    out.push(i);
  return out;
}

/** The skeleton positions [start, end] back in the layer's text. */
function span(sk: Skeleton, start: number, length: number): [number, number] {
  return [sk.offsets[start]!, sk.offsets[start + length - 1]! + 1];
}

function searchLayer(layer: Layer, targets: Target[], shapes: boolean, found: Findings): void {
  const { text } = layer;
  const at = (local: number) => (layer.encoding === undefined ? local : layer.offset);
  const plainForm = (exact: boolean): CanaryForm => layer.encoding ?? (exact ? "exact" : "obfuscated");

  for (const t of targets)
    for (const i of allIndexes(text, t.token))
      found.add({ token: t.token, source: "given", index: t.index, form: plainForm(true), offset: at(i) });

  const sk = skeletonOf(text);
  const reversed = [...sk.text].reverse().join("");
  const rotated = rot13(sk.text);
  // Each view of the skeleton, and how to map a hit in it back to a span of `sk`.
  const views: { text: string; form: "plain" | "reversed" | "rot13" }[] = [
    { text: sk.text, form: "plain" },
    { text: reversed, form: "reversed" },
    { text: rotated, form: "rot13" },
  ];
  const locate = (view: (typeof views)[number], pos: number, length: number): [number, number] =>
    view.form === "reversed" ? span(sk, sk.text.length - pos - length, length) : span(sk, pos, length);
  const formOf = (view: (typeof views)[number], exact: boolean): CanaryForm =>
    layer.encoding !== undefined
      ? view.form === "plain"
        ? layer.encoding
        : `${layer.encoding}+${view.form}`
      : view.form === "plain"
        ? exact
          ? "exact"
          : "obfuscated"
        : view.form;

  for (const view of views) {
    for (const t of targets) {
      if (t.skeleton === undefined) continue;
      for (const pos of allIndexes(view.text, t.skeleton)) {
        const [start, end] = locate(view, pos, t.skeleton.length);
        const exact = text.slice(start, end) === t.token;
        found.add({
          token: t.token,
          source: "given",
          index: t.index,
          form: formOf(view, exact),
          offset: at(start),
        });
      }
    }
    if (!shapes) continue;
    for (const m of view.text.matchAll(SHAPE_IN_SKELETON)) {
      const token = CANARY_PREFIX + m[1]!;
      const [start, end] = locate(view, m.index, m[0].length);
      const given = targets.find((t) => t.token === token);
      const exact = text.slice(start, end) === token;
      if (given)
        found.add({
          token,
          source: "given",
          index: given.index,
          form: formOf(view, exact),
          offset: at(start),
        });
      else found.add({ token, source: "shape", form: formOf(view, exact), offset: at(start) });
    }
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
    for (const core of base64Cores(t.token))
      for (const i of allIndexes(output, core))
        found.add({ token: t.token, source: "given", index: t.index, form: "base64", offset: i });
    const hex = Buffer.from(t.token, "utf8").toString("hex");
    lower ??= output.toLowerCase();
    for (const i of allIndexes(lower, hex))
      found.add({ token: t.token, source: "given", index: t.index, form: "hex", offset: i });
  }
}

export function findCanaries(
  output: string,
  canaries: readonly string[],
  options: { shapes?: boolean; budget?: DecodeBudget } = {},
): CanaryFinding[] {
  const shapes = options.shapes !== false;
  const targets: Target[] = canaries.map((token, index) => {
    const skeleton = skeletonText(token);
    return { token, index, skeleton: skeleton.length >= MIN_SKELETON ? skeleton : undefined };
  });
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
