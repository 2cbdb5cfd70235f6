/**
 * A few lines of SVG writing: elements as strings with escaped text and attributes, so
 * every chart is well-formed XML whatever a category or evidence id holds. Styling is by
 * presentation attributes only (fill, stroke, font-family), which a Content Security
 * Policy without `style-src` still applies.
 */

export type Attrs = Record<string, string | number | undefined>;

const XML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

export function el(name: string, attrs: Attrs, ...children: string[]): string {
  let a = "";
  for (const [k, v] of Object.entries(attrs))
    if (v !== undefined) a += ` ${k}="${escapeXml(typeof v === "number" ? round(v) : v)}"`;
  return children.length === 0 ? `<${name}${a}/>` : `<${name}${a}>${children.join("")}</${name}>`;
}

/** A text node's element: the text escaped. */
export function text(attrs: Attrs, content: string): string {
  return el("text", attrs, escapeXml(content));
}

/** Coordinates to two decimals: smaller files, no visible difference. */
export function round(v: number): string {
  return String(Math.round(v * 100) / 100);
}
