/**
 * The report as one self-contained HTML page: charts inline as SVG, no script, no fetched
 * resource, styles in one <style> element. Served, it needs a Content Security Policy that
 * allows inline styles and data: images and nothing else (REPORT_CSP); saved, it opens
 * anywhere. Every stored string is escaped.
 */
import type { Chart } from "./charts.js";
import type { Block } from "./document.js";
import { escapeXml } from "./svg.js";

/** What the page needs from a browser, and all it is allowed: see the route's header. */
export const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; background: #f5f7fa; margin: 0; }
main { max-width: 780px; margin: 0 auto; padding: 24px 28px 48px; background: #ffffff; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 32px 0 8px; border-bottom: 1px solid #d9dee3; padding-bottom: 4px; }
p { line-height: 1.45; }
figure { margin: 12px 0; }
svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.9rem; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e4e7eb; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
`;

export function renderHtml(blocks: Block[], charts: Chart[]): string {
  const byId = new Map(charts.map((c) => [c.id, c]));
  const title = blocks.find((b) => b.kind === "heading")?.text ?? "Report";
  const body = blocks.map((b) => {
    if (b.kind === "heading") return `<h${b.level}>${escapeXml(b.text)}</h${b.level}>`;
    if (b.kind === "paragraph") return `<p>${escapeXml(b.text)}</p>`;
    if (b.kind === "chart") {
      const c = byId.get(b.id);
      return c ? `<figure id="chart-${escapeXml(c.id)}">${c.svg}</figure>` : "";
    }
    const cell = (tag: "th" | "td", v: string, i: number) =>
      `<${tag}${b.numeric?.[i] ? ' class="num"' : ""}>${escapeXml(v)}</${tag}>`;
    return [
      "<table>",
      `<thead><tr>${b.head.map((h, i) => cell("th", h, i)).join("")}</tr></thead>`,
      `<tbody>${b.rows.map((r) => `<tr>${r.map((v, i) => cell("td", v, i)).join("")}</tr>`).join("")}</tbody>`,
      "</table>",
    ].join("");
  });
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body><main>",
    ...body,
    "</main></body>",
    "</html>",
    "",
  ].join("\n");
}
