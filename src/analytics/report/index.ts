/**
 * The security report: gather (data.ts), draw (charts.ts), lay out (document.ts) and
 * write as Markdown or HTML. The CLI and the route call `renderReport`; the CLI also
 * writes the charts as files next to a Markdown report.
 */
import { reportCharts, type Chart } from "./charts.js";
import type { ReportData } from "./data.js";
import { reportBlocks } from "./document.js";
import type { ReportFormat } from "./formats.js";
import { renderHtml } from "./html.js";
import { dataUri, renderMarkdown } from "./markdown.js";

export { gatherReport, type ReportData } from "./data.js";
export type { Chart } from "./charts.js";
export { REPORT_CONTENT_TYPES, REPORT_FORMATS, type ReportFormat } from "./formats.js";
export { REPORT_CSP } from "./html.js";
export { reportRange } from "./range.js";

export interface RenderedReport {
  content: string;
  /** The charts the content shows (inline in HTML; by `chartHref` in Markdown). */
  charts: Chart[];
}

/**
 * The report in one format. Markdown refers to each chart by `chartHref` (a data: URI by
 * default, so the text stands alone); HTML always carries its charts inline.
 */
export function renderReport(
  data: ReportData,
  format: ReportFormat,
  chartHref: (chart: Chart) => string = dataUri,
): RenderedReport {
  const charts = reportCharts(data);
  const blocks = reportBlocks(data, new Set(charts.map((c) => c.id)));
  return {
    content: format === "html" ? renderHtml(blocks, charts) : renderMarkdown(blocks, charts, chartHref),
    charts,
  };
}
