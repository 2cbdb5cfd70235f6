/**
 * A row that could not be read, named so it can be fixed: the file, the line (JSONL) or
 * sample index (envelope), the field and what was expected. Every reader reports this way.
 */
export interface ReadOptions {
  /** Count and skip invalid rows instead of stopping at the first. */
  skipInvalid?: boolean;
  onInvalid?: (problem: InvalidRow) => void;
  /**
   * Longest line of a JSONL file, in bytes (default DEFAULT_MAX_LINE_BYTES, `lines.ts`), and
   * longest sample or field of an envelope, in characters. Past it the read stops with
   * LINE_TOO_LONG, skipInvalid or not.
   */
  maxLineBytes?: number;
}

export interface InvalidRow {
  file: string;
  /** 1-based line where the row starts; 0 when the problem is not on one line (an envelope's header). */
  line: number;
  /** For a sample inside a JSON envelope: its index in `samples`. */
  index?: number;
  field: string;
  message: string;
}

/** Where a row is, as messages name it: `file:12`, `file: samples[3]`, or the file alone. */
export function formatWhere(file: string, line: number, index?: number): string {
  return index !== undefined ? `${file}: samples[${index}]` : line > 0 ? `${file}:${line}` : file;
}

export function formatInvalid(p: InvalidRow): string {
  const where = formatWhere(p.file, p.line, p.index);
  return `${where}: ${p.field === "(row)" ? "" : `field "${p.field}": `}${p.message}`;
}
