/**
 * What the words before a value say about it. Several detectors only trust a number when
 * the text names it ("call", "BSN", "date of birth"); this looks at a short window before
 * the value, lower-cased, so the check costs one slice and one regex test per candidate,
 * never a scan of the whole text.
 */

/** True when `cue` matches within `window` characters before `start`. `cue` must not be global. */
export function cueBefore(text: string, start: number, cue: RegExp, window = 40): boolean {
  return cue.test(text.slice(Math.max(0, start - window), start).toLowerCase());
}

/**
 * Values that follow a cue: every match of `cue` (global, may be case-insensitive), then
 * `value` (sticky, `y`) tried once where the cue ends. Linear: one attempt per cue.
 */
export function* afterCue(
  text: string,
  cue: RegExp,
  value: RegExp,
): Generator<{ cue: RegExpExecArray; value: RegExpExecArray }> {
  cue.lastIndex = 0;
  for (let c = cue.exec(text); c; c = cue.exec(text)) {
    value.lastIndex = c.index + c[0].length;
    const v = value.exec(text);
    if (v) yield { cue: c, value: v };
    if (c[0].length === 0) cue.lastIndex++;
  }
}
