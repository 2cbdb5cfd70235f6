/**
 * The report as Markdown. Charts are images whose address the caller chooses: files next
 * to the report (`report-charts/volume.svg`) when it is written to a file, data: URIs when
 * it is printed or served, so one answer stands alone. Stored strings (model names,
 * reasons, reporters) are escaped, so none can open a link, an HTML tag or a new table row.
 */
import type { Chart } from "./charts.js";
import type { Block } from "./document.js";

export function renderMarkdown(blocks: Block[], charts: Chart[], href: (chart: Chart) => string): string {
  const byId = new Map(charts.map((c) => [c.id, c]));
  const out: string[] = [];
  for (const b of blocks) {
    if (b.kind === "heading") out.push(`${"#".repeat(b.level)} ${escapeMarkdown(b.text)}`);
    else if (b.kind === "paragraph") out.push(escapeMarkdown(b.text));
    else if (b.kind === "chart") {
      const c = byId.get(b.id);
      if (c) out.push(`![${escapeMarkdown(c.description)}](${href(c)} "${c.title.replace(/"/g, "'")}")`);
    } else {
      const row = (cells: string[]) => `| ${cells.map(escapeMarkdown).join(" | ")} |`;
      out.push(
        [
          row(b.head),
          `|${b.head.map((_, i) => (b.numeric?.[i] ? " ---: " : " --- ")).join("|")}|`,
          ...b.rows.map(row),
        ].join("\n"),
      );
    }
  }
  return `${out.join("\n\n")}\n`;
}

/** A chart as a data: URI, for a report that has to stand alone. */
export function dataUri(chart: Chart): string {
  return `data:image/svg+xml;base64,${Buffer.from(chart.svg, "utf8").toString("base64")}`;
}

/**
 * Markdown's active characters escaped, and line breaks made spaces. An underscore inside
 * a word (`prompt_injection`) is left as it is: it cannot start emphasis there.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/[\\`*[\]<>|#!&]/g, (c) => `\\${c}`)
    .replace(/_/g, (c, i: number, s: string) =>
      /[\p{L}\p{N}]/u.test(s[i - 1] ?? "") && /[\p{L}\p{N}]/u.test(s[i + 1] ?? "") ? c : `\\${c}`,
    );
}
