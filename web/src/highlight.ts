/**
 * Where the evidence sits in the submitted text: each piece with an offset marks the
 * characters it matched. Its excerpt was read from normalised or decoded text, so the mark
 * goes where the text reads the same as the excerpt (ignoring case): at the offset, else at
 * the occurrence nearest to it; a piece whose excerpt is nowhere in the text (a decoded
 * payload) marks one character at its offset. Overlapping marks merge into one span
 * naming every piece. The model's and other
 * detectors' evidence names a whole window (its excerpt is the window), not a match: it is
 * listed, not marked.
 */

/** Evidence kinds that point at the characters that matched. */
const SPAN_KINDS = new Set(["rule", "term", "obfuscation", "payload"]);
export interface EvidenceItem {
  kind: string;
  id: string;
  description: string;
  category?: string;
  offset?: number;
  excerpt?: string;
  weight?: number;
}

export interface Piece {
  text: string;
  marks: string[];
}

export function highlight(text: string, evidence: EvidenceItem[]): Piece[] {
  const ranges: { start: number; end: number; id: string }[] = [];
  for (const e of evidence) {
    if (!SPAN_KINDS.has(e.kind) || e.offset === undefined || e.offset < 0 || e.offset >= text.length)
      continue;
    const id = `${e.kind}:${e.id}`;
    const at = e.excerpt ? locate(text, e.excerpt, e.offset) : -1;
    if (at >= 0) ranges.push({ start: at, end: at + e.excerpt!.length, id });
    else ranges.push({ start: e.offset, end: e.offset + 1, id });
  }
  if (ranges.length === 0) return [{ text, marks: [] }];
  // Boundaries where the set of covering marks changes.
  const cuts = [...new Set([0, text.length, ...ranges.flatMap((r) => [r.start, r.end])])].sort(
    (a, b) => a - b,
  );
  const pieces: Piece[] = [];
  for (let i = 0; i < cuts.length - 1; i++) {
    const start = cuts[i]!;
    const end = cuts[i + 1]!;
    const marks = ranges.filter((r) => r.start <= start && r.end >= end).map((r) => r.id);
    const last = pieces.at(-1);
    if (last && last.marks.join() === [...new Set(marks)].join()) last.text += text.slice(start, end);
    else pieces.push({ text: text.slice(start, end), marks: [...new Set(marks)] });
  }
  return pieces;
}

/** Where `excerpt` occurs in `text` (any case) nearest to `offset`, or -1. */
function locate(text: string, excerpt: string, offset: number): number {
  const hay = text.toLowerCase();
  const needle = excerpt.toLowerCase();
  let best = -1;
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
    if (best < 0 || Math.abs(i - offset) < Math.abs(best - offset)) best = i;
  }
  return best;
}
