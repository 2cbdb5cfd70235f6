/** Plain-text tables and number formatting for CLI reports. */
import { TextBlock, printable } from "./output.js";

export { TextBlock, printable };

export function fmt(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || Number.isNaN(value) ? "-" : value.toFixed(digits);
}

/** A table whose cells are escaped before the widths are measured, so columns stay aligned. */
export function table(header: string[], rows: (string | number)[][]): TextBlock {
  const cells = [header, ...rows.map((r) => r.map(String))].map((r) => r.map(printable));
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join("  ");
  return new TextBlock([
    line(cells[0]!),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.slice(1).map(line),
  ]);
}
