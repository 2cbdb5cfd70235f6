/**
 * Leetspeak folding ("1gn0r3 pr3v10u5" -> "ignore previous"). Only tokens where a
 * substitute character comes before a letter are folded, so ordinary names with trailing
 * digits ("base64", "sha256", "python3") keep their meaning.
 */
const LEET: Record<string, string> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "@": "a",
  $: "s",
};

const CANDIDATE = /[a-z0-9@$]*[0-9@$][a-z][a-z0-9@$]*/g;

export interface LeetResult {
  text: string;
  folded: number;
}

export function foldLeet(lowercase: string): LeetResult {
  let folded = 0;
  const out = lowercase.replace(CANDIDATE, (token: string, offset: number, whole: string) => {
    // An e-mail address ("bob@example.com") is not leetspeak.
    if (token.includes("@") && whole[offset + token.length] === ".") return token;
    let letters = 0;
    let subs = 0;
    for (const c of token) {
      if (c >= "a" && c <= "z") letters++;
      else if (LEET[c] !== undefined) subs++;
      else return token; // digits like 2, 6, 8, 9 mean this is not leetspeak
    }
    if (letters < 2 || subs === 0) return token;
    folded++;
    let mapped = "";
    for (const c of token) mapped += LEET[c] ?? c;
    return mapped;
  });
  return { text: out, folded };
}
