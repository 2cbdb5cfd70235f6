/**
 * Reading the report's charts back as XML, for tests: every inline or file SVG must be
 * well-formed, and a chart's parts (paths of a series, bars, markers) are found by their
 * element names and data- attributes.
 */
import assert from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";

export type Element = Record<string, unknown>;

/** The <svg>...</svg> pieces of an HTML page, in order. */
export function inlineSvgs(html: string): string[] {
  return [...html.matchAll(/<svg[\s>][\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

/** Parses one SVG after checking it is well-formed XML; returns its root element. */
export function parseSvg(svg: string): Element {
  const valid = XMLValidator.validate(svg);
  assert.equal(valid, true, `not well-formed: ${JSON.stringify(valid)}`);
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
  }).parse(svg) as { svg: Element[] };
  assert.equal(doc.svg.length, 1);
  return doc.svg[0]!;
}

/** Every element of this name under `node`, depth first. */
export function elements(node: Element, name: string): Element[] {
  const out: Element[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith("@") || key === "#text" || !Array.isArray(value)) continue;
    for (const child of value as unknown[]) {
      if (typeof child !== "object" || child === null) continue;
      if (key === name) out.push(child as Element);
      out.push(...elements(child as Element, name));
    }
  }
  return out;
}

/** An attribute's value, "" when absent. */
export function attr(e: Element, name: string): string {
  const v = e[`@${name}`];
  return v === undefined ? "" : String(v);
}

/** The text of an element like <title> or <desc>. */
export function textOf(node: Element, name: string): string {
  const found = node[name];
  const first = Array.isArray(found) ? (found[0] as unknown) : undefined;
  if (typeof first === "string") return first;
  const t = (first as Element | undefined)?.["#text"];
  return String(Array.isArray(t) ? t[0] : (t ?? ""));
}

/** How many points a path's `d` visits: its move and line commands (the report draws straight lines). */
export function pointsOf(d: string): number {
  return (d.match(/[ML]/g) ?? []).length;
}
