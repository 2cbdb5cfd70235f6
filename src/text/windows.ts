/**
 * Overlapping windows over long text. Injections hide in the middle of long emails and
 * web pages, where they would be diluted in one score over the whole document; a window
 * small enough to be dominated by the injection finds them. Boundaries move back to the
 * nearest whitespace so words are not cut, and the overlap makes sure an injection that
 * straddles one boundary lies whole inside the next window.
 */
export interface TextWindow {
  offset: number;
  text: string;
}

export function* windows(text: string, size: number, stride: number): Generator<TextWindow> {
  if (size <= 0 || stride <= 0 || stride > size)
    throw new RangeError("window size and stride must satisfy 0 < stride <= size");
  if (text.length <= size) {
    yield { offset: 0, text };
    return;
  }
  let start = 0;
  for (;;) {
    let end = Math.min(start + size, text.length);
    if (end < text.length) end = snapBack(text, end, start + stride);
    yield { offset: start, text: text.slice(start, end) };
    if (end >= text.length) return;
    let next = start + stride;
    next = snapForward(text, next, end);
    start = next;
  }
}

const SNAP = 64;

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

function snapBack(text: string, end: number, floor: number): number {
  for (let i = end; i > Math.max(floor, end - SNAP); i--) if (isSpace(text.charCodeAt(i - 1))) return i;
  return end;
}

function snapForward(text: string, start: number, ceiling: number): number {
  for (let i = start; i < Math.min(ceiling, start + SNAP); i++) if (isSpace(text.charCodeAt(i))) return i + 1;
  return start;
}

export function windowCount(length: number, size: number, stride: number): number {
  return length <= size ? 1 : Math.ceil((length - size) / stride) + 1;
}
