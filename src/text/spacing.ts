/**
 * Collapses letters spelled out with separators ("i g n o r e", "i.g.n.o.r.e",
 * "i-g-n-o-r-e") back into words. A wider gap, or a slash, between letters is read as a
 * word break, so "i g n o r e   a l l" becomes "ignore all".
 */
const SPACED_RUN = /(?<![\p{L}\p{N}])\p{L}(?:[ .\-_*|/]{1,4}\p{L}(?![\p{L}\p{N}])){3,}/gu;

export interface SpacingResult {
  text: string;
  collapsed: number;
}

export function collapseSpacedLetters(text: string): SpacingResult {
  let collapsed = 0;
  const out = text.replace(SPACED_RUN, (run) => {
    collapsed++;
    return run
      .replace(/ {2,}|\s*[/|]\s*/g, "\u0000")
      .replace(/[ .\-_*]/g, "")
      .replace(/\u0000/g, " ");
  });
  return { text: out, collapsed };
}
