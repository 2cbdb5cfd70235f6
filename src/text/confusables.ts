/**
 * Homoglyph folding: letters from other scripts that render like Latin letters
 * ("іgnоrе" with Cyrillic і and о). NFKC already folds full-width and mathematical
 * alphanumerics; this table covers what NFKC leaves alone. A word is folded when it mixes
 * Latin with look-alikes, or when it is made only of look-alikes inside a mostly Latin
 * text, so that genuine Cyrillic or Greek prose is left as it is.
 */

// Pairs of (look-alike, Latin lower-case letter). Sources: Unicode confusables.txt, the
// subset that maps a single letter to a single ASCII letter.
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  // Cyrillic lower and upper case
  ["а", "a"],
  ["А", "a"],
  ["в", "b"],
  ["В", "b"],
  ["Ь", "b"],
  ["с", "c"],
  ["С", "c"],
  ["ԁ", "d"],
  ["е", "e"],
  ["Е", "e"],
  ["ё", "e"],
  ["һ", "h"],
  ["Һ", "h"],
  ["н", "h"],
  ["Н", "h"],
  ["і", "i"],
  ["І", "i"],
  ["ӏ", "l"],
  ["Ӏ", "l"],
  ["ј", "j"],
  ["Ј", "j"],
  ["к", "k"],
  ["К", "k"],
  ["м", "m"],
  ["М", "m"],
  ["о", "o"],
  ["О", "o"],
  ["р", "p"],
  ["Р", "p"],
  ["ԛ", "q"],
  ["Ԛ", "q"],
  ["ѕ", "s"],
  ["Ѕ", "s"],
  ["т", "t"],
  ["Т", "t"],
  ["у", "y"],
  ["У", "y"],
  ["ү", "y"],
  ["Ү", "y"],
  ["х", "x"],
  ["Х", "x"],
  ["ԝ", "w"],
  ["Ԝ", "w"],
  ["ѵ", "v"],
  ["Ѵ", "v"],
  ["п", "n"],
  ["г", "r"],
  ["ꙇ", "i"],
  // Greek
  ["α", "a"],
  ["Α", "a"],
  ["β", "b"],
  ["Β", "b"],
  ["ε", "e"],
  ["Ε", "e"],
  ["Ζ", "z"],
  ["η", "n"],
  ["Η", "h"],
  ["ι", "i"],
  ["Ι", "i"],
  ["κ", "k"],
  ["Κ", "k"],
  ["Μ", "m"],
  ["ν", "v"],
  ["Ν", "n"],
  ["ο", "o"],
  ["Ο", "o"],
  ["ρ", "p"],
  ["Ρ", "p"],
  ["τ", "t"],
  ["Τ", "t"],
  ["υ", "u"],
  ["Υ", "y"],
  ["χ", "x"],
  ["Χ", "x"],
  ["γ", "y"],
  ["ϲ", "c"],
  ["Ϲ", "c"],
  ["ϳ", "j"],
  ["ѡ", "w"],
  // Armenian, Cherokee and Latin extensions that pass NFKC unchanged
  ["օ", "o"],
  ["ս", "u"],
  ["զ", "q"],
  ["ց", "g"],
  ["հ", "h"],
  ["ո", "n"],
  ["Ꭺ", "a"],
  ["Ᏼ", "b"],
  ["Ꮯ", "c"],
  ["Ꭼ", "e"],
  ["Ꮋ", "h"],
  ["Ꭻ", "j"],
  ["Ꮶ", "k"],
  ["Ꮇ", "m"],
  ["Ꮲ", "p"],
  ["Ꮪ", "s"],
  ["Ꭲ", "t"],
  ["Ꮃ", "w"],
  ["ı", "i"],
  ["ȷ", "j"],
  ["ɑ", "a"],
  ["ɡ", "g"],
  ["ɩ", "i"],
  ["ʀ", "r"],
  ["ʏ", "y"],
  ["ᴀ", "a"],
  ["ʙ", "b"],
  ["ᴄ", "c"],
  ["ᴅ", "d"],
  ["ᴇ", "e"],
  ["ɢ", "g"],
  ["ʜ", "h"],
  ["ɪ", "i"],
  ["ᴊ", "j"],
  ["ᴋ", "k"],
  ["ʟ", "l"],
  ["ᴍ", "m"],
  ["ɴ", "n"],
  ["ᴏ", "o"],
  ["ᴘ", "p"],
  ["ꞯ", "q"],
  ["ꜱ", "s"],
  ["ᴛ", "t"],
  ["ᴜ", "u"],
  ["ᴠ", "v"],
  ["ᴡ", "w"],
  ["ᴢ", "z"],
  ["ƒ", "f"],
  ["ℓ", "l"],
  ["ß", "ss"],
];

// NFKC runs before folding and turns some look-alikes into others (lunate sigma into final
// sigma): their NFKC forms fold too.
const TABLE = new Map<number, string>(
  PAIRS.flatMap(([from, to]) => {
    const nfkc = from.normalize("NFKC");
    const forms =
      nfkc !== from && [...nfkc].length === 1 && nfkc.codePointAt(0)! >= 128 ? [from, nfkc] : [from];
    return forms.map((f) => [f.codePointAt(0)!, to] as const);
  }),
);

/**
 * For each Latin lower-case letter that has one, the look-alikes that fold back to it: the
 * red team's homoglyph mutator writes with them, so every disguise it makes is one the
 * folding above undoes.
 */
export const LOOKALIKES: ReadonlyMap<string, readonly string[]> = (() => {
  const by = new Map<string, string[]>();
  for (const [from, to] of PAIRS) if (to.length === 1) by.set(to, [...(by.get(to) ?? []), from]);
  return by;
})();

/** Emoji letters (🅰, 🄰, 🅐, regional indicators 🇦) that NFKC does not fold. */
function emojiLetter(cp: number): string | undefined {
  const ranges: ReadonlyArray<readonly [number, number]> = [
    [0x1f130, 0x1f149], // squared Latin capital letters
    [0x1f150, 0x1f169], // negative circled
    [0x1f170, 0x1f189], // negative squared
    [0x1f1e6, 0x1f1ff], // regional indicator symbols
  ];
  for (const [start, end] of ranges) {
    if (cp >= start && cp <= end) return String.fromCharCode(97 + cp - start);
  }
  return undefined;
}

function mapChar(cp: number): string | undefined {
  return TABLE.get(cp) ?? (cp >= 0x1f130 ? emojiLetter(cp) : undefined);
}

/**
 * The Latin letter(s) one look-alike character stands for, whatever the words around it:
 * for matching a known Latin string (a canary token), where any look-alike is an evasion.
 */
export function latinLookalike(cp: number): string | undefined {
  return mapChar(cp);
}

const WORD = /[\p{L}\p{M}\u{1F130}-\u{1F189}\u{1F1E6}-\u{1F1FF}]+/gu;
const LATIN_LETTER = /[A-Za-z]/;

/**
 * Fraction of letters in words that hold at least one ASCII Latin letter; decides whether
 * all-look-alike words fold. Counting whole mixed words, not single letters, matters when an
 * attacker swaps half the letters: the text is then mostly look-alikes, yet every word with
 * a Latin letter in it shows that the prose is Latin.
 */
function latinShare(text: string): number {
  let latin = 0;
  let letters = 0;
  for (const m of text.matchAll(WORD)) {
    const n = [...m[0]].length;
    letters += n;
    if (LATIN_LETTER.test(m[0])) latin += n;
  }
  return letters === 0 ? 0 : latin / letters;
}

export interface FoldResult {
  text: string;
  folded: number;
}

export function foldConfusables(text: string): FoldResult {
  let folded = 0;
  let share: number | undefined;
  const out = text.replace(WORD, (word) => {
    let mapped = "";
    let hits = 0;
    let latin = 0;
    let other = 0;
    let emoji = 0;
    for (const ch of word) {
      const cp = ch.codePointAt(0)!;
      const m = mapChar(cp);
      if (m !== undefined) {
        hits++;
        if (cp >= 0x1f130) emoji++;
        mapped += m;
      } else {
        mapped += ch;
        if (cp < 128) latin++;
        else if (!/\p{M}/u.test(ch)) other++;
      }
    }
    if (hits === 0) return word;
    // Mixed Latin and look-alikes is the attack; whole look-alike words only in Latin prose.
    // Emoji letters are never genuine prose, so they always fold.
    const fold =
      (latin > 0 && other === 0) ||
      (latin === 0 && other === 0 && (emoji === hits || (share ??= latinShare(text)) >= 0.5));
    if (!fold) return word;
    folded += hits;
    return mapped;
  });
  return { text: out, folded };
}
