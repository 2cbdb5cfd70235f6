/**
 * The first key that appears twice in one object of a JSON text, or undefined. JSON.parse
 * keeps the last of two equal keys silently, so `{"role": "client", "role": "admin"}`
 * means one thing to Bulwark and maybe another to a proxy or a log reader in front of it;
 * refusing duplicates removes the ambiguity.
 *
 * Runs on text JSON.parse has already accepted, so it only needs to find strings,
 * braces, brackets and commas: strings are skipped with indexOf (a long text field costs
 * next to nothing), and an object's key set is made only when it has a second key. Keys
 * are compared by value, so "a" and "\u0061" are the same key.
 */

/** An open container: an array (null), or an object's first key and, once needed, all of them. */
type Frame = null | { first: string | undefined; all: Set<string> | undefined };

const QUOTE = 34;
const BACKSLASH = 92;

export function firstDuplicateKey(json: string): string | undefined {
  const stack: Frame[] = [];
  let expectKey = false;
  const n = json.length;
  for (let i = 0; i < n; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(json, i);
      if (expectKey) {
        expectKey = false;
        const raw = json.slice(i + 1, end);
        const key = raw.includes("\\") ? (JSON.parse(json.slice(i, end + 1)) as string) : raw;
        const frame = stack[stack.length - 1]!;
        if (frame.first === undefined) frame.first = key;
        else {
          frame.all ??= new Set([frame.first]);
          if (frame.all.has(key)) return key;
          frame.all.add(key);
        }
      }
      i = end;
    } else if (c === 123 /* { */) {
      stack.push({ first: undefined, all: undefined });
      expectKey = true;
    } else if (c === 91 /* [ */) {
      stack.push(null);
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      stack.pop();
    } else if (c === 44 /* , */) {
      expectKey = stack[stack.length - 1] !== null;
    }
  }
  return undefined;
}

/** Index of the quote that closes the string opened at `open` (one not escaped by a backslash). */
function closingQuote(json: string, open: number): number {
  let j = open;
  for (;;) {
    j = json.indexOf('"', j + 1);
    if (j < 0) return json.length; // cannot happen in valid JSON
    let slashes = 0;
    for (let k = j - 1; json.charCodeAt(k) === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return j;
  }
}
