/**
 * Where the evidence sits in the submitted text: each piece with an offset marks the
 * characters it matched (its excerpt, when the text there reads the same; otherwise as many
 * characters as the excerpt, which was read from normalised or decoded text), and
 * overlapping marks merge into one span naming every piece.
 */
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
    if (e.offset === undefined || e.offset < 0 || e.offset >= text.length) continue;
    const length = Math.max(1, e.excerpt?.length ?? 1);
    ranges.push({ start: e.offset, end: Math.min(text.length, e.offset + length), id: `${e.kind}:${e.id}` });
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
