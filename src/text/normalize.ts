/**
 * The normal form every detector sees: invisible characters removed (hidden tag text kept
 * inline), NFKC, homoglyphs folded, lower case, spaced-out letters joined, leetspeak folded,
 * whitespace collapsed. The signals say which obfuscations were undone; they are evidence
 * on their own, since benign text rarely needs them.
 */
import { foldConfusables } from "./confusables.js";
import { stripInvisible } from "./invisible.js";
import { foldLeet } from "./leet.js";
import { collapseSpacedLetters } from "./spacing.js";

export type Signal =
  | "zero_width"
  | "bidi_control"
  | "unicode_tags"
  | "variation_selectors"
  | "homoglyphs"
  | "spaced_letters"
  | "leetspeak";

export interface Normalized {
  text: string;
  signals: Signal[];
}

const PLAIN_ASCII = /^[\x20-\x7e\t\n\r]*$/;
const LETTER_DIGIT_MIX = /[0-9@$][a-z]/;
/** Whitespace other than one plain space: a tab, a newline, a non-breaking space, two spaces. */
const SPACING_TO_FOLD = /[^\S ]| {2}/;
const SINGLE_LETTER_GAPS =
  /(?:^|[^\p{L}\p{N}])\p{L}[ .\-_*|/]{1,4}\p{L}[ .\-_*|/]{1,4}\p{L}(?![\p{L}\p{N}])/u;

export function normalize(input: string): Normalized {
  const signals: Signal[] = [];
  let text = input;

  // Pure printable ASCII is already NFKC and has no invisible or look-alike characters.
  if (!PLAIN_ASCII.test(text)) {
    const inv = stripInvisible(text);
    text = inv.text;
    if (inv.removed.zeroWidth) signals.push("zero_width");
    if (inv.removed.bidi) signals.push("bidi_control");
    if (inv.removed.tags) signals.push("unicode_tags");
    if (inv.hidden.some((h) => h.encoding === "variation_selectors")) signals.push("variation_selectors");
    text = text.normalize("NFKC");
    const conf = foldConfusables(text);
    if (conf.folded) signals.push("homoglyphs");
    text = conf.text;
  }

  text = text.toLowerCase();

  if (SINGLE_LETTER_GAPS.test(text)) {
    const spaced = collapseSpacedLetters(text);
    if (spaced.collapsed) signals.push("spaced_letters");
    text = spaced.text;
  }
  if (LETTER_DIGIT_MIX.test(text)) {
    const leet = foldLeet(text);
    if (leet.folded) signals.push("leetspeak");
    text = leet.text;
  }

  // Most prose has single plain spaces only: testing first spares a copy of the text.
  if (SPACING_TO_FOLD.test(text)) text = text.replace(/\s+/g, " ");
  return { text: text.trim(), signals };
}
