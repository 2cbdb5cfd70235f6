/**
 * The formats a security report is written in: data only, with no imports, so the CLI can
 * offer them at start-up without loading the report's queries or its chart libraries.
 */
export const REPORT_FORMATS = ["md", "html"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The content type each format is served with. */
export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  md: "text/markdown; charset=utf-8",
  html: "text/html; charset=utf-8",
};
