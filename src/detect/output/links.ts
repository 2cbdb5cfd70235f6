/**
 * Every URL an answer would make a browser or a chat client fetch or offer: markdown images
 * and links (inline and reference style), HTML tags with src/href/srcset/poster/background,
 * CSS url(), <autolinks> and bare http(s) URLs. Whether a URL loads by itself (an image
 * renders, and its request carries whatever is in the URL, with no click) or needs a
 * click is what makes it more or less dangerous, so each says which.
 */
import { fencedBlocks } from "./fences.js";

export interface FoundUrl {
  url: string;
  /** "image": fetched when the answer is rendered; "link": fetched when clicked. */
  loads: "image" | "link";
  syntax: "markdown" | "reference" | "html" | "css" | "autolink" | "bare";
  offset: number;
}

// A URL inside markdown parentheses: no spaces, balanced parentheses one level deep
// (Wikipedia's "Foo_(bar)"). Optional <...> around it and an optional "title" after it.
// The `d` flag gives each group's offsets, so a URL is located exactly, not searched for.
const MD_URL = String.raw`<?((?:[^\s()<>]|\([^\s()<>]*\))+)>?(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?\s*\)`;
const MD_INLINE = new RegExp(String.raw`(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\]){0,1000})\]\(\s*` + MD_URL, "dg");
const MD_REF_USE = /(!?)\[((?:[^[\]\n]|\[[^[\]\n]*\]){0,1000})\]\[([^[\]\n]{0,200})\]/g;
const MD_REF_DEF = /^[ ]{0,3}\[([^[\]\n]{1,200})\]:[ \t]*<?([^\s>]+)>?/dgm;
const HTML_TAG = /<([a-zA-Z][a-zA-Z0-9-]{0,30})\b([^<>]{0,4000})>/dg;
const HTML_ATTR =
  /(?<![\w:-])(src|href|srcset|poster|background|data|action|formaction|xlink:href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/dgi;
const CSS_URL = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^\s"')]+))\s*\)/dgi;
const AUTOLINK = /<((?:https?|ftp|javascript|vbscript|data):[^\s<>]{1,4000})>/dgi;
const BARE = /\b(?:https?|ftp):\/\/[^\s<>"'`[\]()]+(?:\([^\s<>"'`()]*\)[^\s<>"'`[\]()]*)*/gi;

/** Tags whose URLs wait for a click; in every other tag a src-like attribute loads on render. */
const CLICK_TAGS = new Set(["a", "area", "form", "button"]);

function label(text: string): string {
  return text.trim().replace(/\s+/g, " ").toLowerCase();
}

/** The first defined group among `groups`, with its offset (needs the `d` flag). */
function group(m: RegExpMatchArray, ...groups: number[]): { value: string; offset: number } | undefined {
  for (const g of groups) {
    const value = m[g];
    if (value !== undefined) return { value, offset: m.indices![g]![0] };
  }
  return undefined;
}

/**
 * Code: fenced blocks (an unclosed fence runs to the end, as in CommonMark) and inline code
 * spans, marked in `covered`. A renderer shows their text as it is: an image there loads
 * nothing, a link there is not a link.
 */
function markCode(text: string, covered: Uint8Array): void {
  if (!text.includes("`") && !text.includes("~~~")) return;
  for (const f of fencedBlocks(text)) covered.fill(1, f.start, f.end);
  // Inline code: a run of n backticks up to the next run of exactly n. Scanned by hand:
  // a pattern would retry every unmatched run to the end of the text (quadratic).
  const runs: [number, number][] = [];
  for (const m of text.matchAll(/`+/g)) if (!covered[m.index]) runs.push([m.index, m[0].length]);
  const unmatched = new Set<number>();
  for (let i = 0; i < runs.length; i++) {
    const [at, n] = runs[i]!;
    if (unmatched.has(n)) continue;
    let j = i + 1;
    while (j < runs.length && runs[j]![1] !== n) j++;
    if (j === runs.length) {
      unmatched.add(n); // no later run of this length: none will match either
      continue;
    }
    covered.fill(1, at, runs[j]![0] + n);
    i = j;
  }
}

/** The URLs of `text` outside code, in order. */
export function findUrls(text: string): FoundUrl[] {
  const out: FoundUrl[] = [];
  // Code, and the characters already read as a URL: no URL is counted twice.
  const covered = new Uint8Array(text.length);
  markCode(text, covered);
  const add = (url: string, offset: number, loads: FoundUrl["loads"], syntax: FoundUrl["syntax"]) => {
    if (!url || covered[offset]) return;
    out.push({ url, loads, syntax, offset });
    covered.fill(1, offset, offset + url.length);
  };

  if (text.includes("](")) {
    for (const m of text.matchAll(MD_INLINE)) {
      const u = group(m, 3)!;
      add(u.value, u.offset, m[1] ? "image" : "link", "markdown");
    }
  }
  if (text.includes("]:")) {
    const images = new Set<string>();
    for (const m of text.matchAll(MD_REF_USE)) if (m[1]) images.add(label(m[3] || m[2]!));
    for (const m of text.matchAll(MD_REF_DEF)) {
      const u = group(m, 2)!;
      add(u.value, u.offset, images.has(label(m[1]!)) ? "image" : "link", "reference");
    }
  }
  if (text.includes("<")) {
    for (const tag of text.matchAll(HTML_TAG)) {
      const name = tag[1]!.toLowerCase();
      const attrs = tag[2]!;
      const base = tag.indices![2]![0];
      const stylesheet =
        name === "link" && /\brel\s*=\s*["']?[^"'>]*(?:stylesheet|icon|preload|prefetch)/i.test(attrs);
      for (const a of attrs.matchAll(HTML_ATTR)) {
        const v = group(a, 2, 3, 4)!;
        const attr = a[1]!.toLowerCase();
        const loads = CLICK_TAGS.has(name) || (name === "link" && !stylesheet) ? "link" : "image";
        if (attr !== "srcset") {
          add(v.value, base + v.offset, loads, "html");
          continue;
        }
        // srcset lists "url width, url width": each URL loads.
        for (const part of v.value.matchAll(/[^\s,]+(?:\s+[^\s,]+)?/g)) {
          const url = part[0].split(/\s+/)[0]!;
          add(url, base + v.offset + part.index, loads, "html");
        }
      }
    }
    for (const m of text.matchAll(AUTOLINK)) {
      const u = group(m, 1)!;
      add(u.value, u.offset, "link", "autolink");
    }
  }
  if (/url\(/i.test(text)) {
    for (const m of text.matchAll(CSS_URL)) {
      const u = group(m, 1, 2, 3)!;
      add(u.value, u.offset, "image", "css");
    }
  }
  if (text.includes("://")) {
    for (const m of text.matchAll(BARE)) {
      // A sentence's closing punctuation is not part of the URL.
      add(m[0].replace(/[.,;:!?*_~]+$/, ""), m.index, "link", "bare");
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}
