/**
 * Fenced code blocks of a markdown answer, found line by line as CommonMark reads them: a
 * line of three or more backticks or tildes (indented at most three spaces) opens a block,
 * a line of at least as many of the same character closes it, and an unclosed block runs
 * to the end. One pass: a pattern that searched for each opening's close would rescan the
 * rest of the text for every unclosed fence.
 */
export interface Fence {
  /** The block, fences included: [start, end). */
  start: number;
  end: number;
  /** Its content, between the fence lines: [start, end). */
  contentStart: number;
  contentEnd: number;
}

const OPEN = /^ {0,3}(`{3,}|~{3,})([^\n]*)$/;

export function fencedBlocks(text: string): Fence[] {
  if (!text.includes("```") && !text.includes("~~~")) return [];
  const out: Fence[] = [];
  let open: { char: string; length: number; start: number; contentStart: number } | undefined;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd);
    const m = OPEN.exec(line);
    if (m) {
      const run = m[1]!;
      if (!open) {
        // A backtick fence's info string may not hold a backtick (CommonMark).
        if (!(run[0] === "`" && m[2]!.includes("`")))
          open = { char: run[0]!, length: run.length, start: lineStart, contentStart: lineEnd + 1 };
      } else if (run[0] === open.char && run.length >= open.length && m[2]!.trim() === "") {
        out.push({
          start: open.start,
          end: lineEnd,
          contentStart: Math.min(open.contentStart, lineStart),
          contentEnd: Math.max(open.contentStart, lineStart - 1),
        });
        open = undefined;
      }
    }
    lineStart = lineEnd + 1;
  }
  if (open)
    out.push({
      start: open.start,
      end: text.length,
      contentStart: Math.min(open.contentStart, text.length),
      contentEnd: text.length,
    });
  return out;
}
