/** Plain-text tables, number formatting and terminal-safe text for CLI reports. */

/**
 * Characters a terminal acts on instead of showing: C0 controls (newline, carriage
 * return, escape...), DEL, C1 controls (0x9b is a one-byte CSI), the line and paragraph
 * separators, and the bidirectional marks, embeddings, overrides and isolates that reorder
 * what is shown (U+202E makes "exe.txt" read "txt.exe").
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/gu;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Text from the database or a file made safe for one terminal line: every character
 * above is shown as an escape (`\n`, `\x1b`, `\u202e`), so a stored name can neither
 * start a new line that looks like Bulwark's output nor move the cursor, recolour the
 * screen or reorder the text around it.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.codePointAt(0)!;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Several lines laid out by the CLI itself; each line is still escaped when printed. */
export class TextBlock {
  constructor(readonly lines: readonly string[]) {}

  toString(): string {
    return this.lines.join("\n");
  }
}

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
