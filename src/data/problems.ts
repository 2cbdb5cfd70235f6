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

export function formatInvalid(p: InvalidRow): string {
  const where =
    p.index !== undefined ? `${p.file}: samples[${p.index}]` : p.line > 0 ? `${p.file}:${p.line}` : p.file;
  return `${where}: ${p.field === "(row)" ? "" : `field "${p.field}": `}${p.message}`;
}
