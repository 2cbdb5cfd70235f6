/**
 * Secrets pasted into prompts: API keys with a known prefix, JSON Web Tokens, PEM private
 * key blocks, `password=...` assignments, and, with less confidence, long random tokens.
 *
 * - `secret.prefix`: AWS access key ids (AKIA/ASIA), GitHub tokens (ghp_/gho_/ghu_/ghs_/
 *   ghr_, github_pat_), Slack (xox[baprs]-), Stripe (sk_/rk_ live and test), OpenAI-style
 *   `sk-...` keys, Google API keys (AIza). The prefix and the length make these near-certain.
 * - `secret.jwt`: `eyJ...eyJ...` header, payload and signature.
 * - `secret.pem`: from `-----BEGIN ... PRIVATE KEY-----` to its END line.
 * - `secret.assignment`: the value after password/passwd/pwd/secret/token/api_key `=` or `:`
 *   (the name is kept, so the text still reads as a configuration), and after
 *   "my password is". Placeholders (`***`, `<password>`, `${VAR}`) are left alone.
 * - `secret.entropy`: a token of 24-128 characters from the base64/url-safe alphabet that
 *   mixes upper case, lower case and digits, changes class often and has a Shannon entropy
 *   near that of random text (confidence 0.6). Hex-only strings are NOT flagged on
 *   purpose: git commit ids, SHA-256 digests and UUIDs are hex, are everywhere in logs and
 *   tickets, and name content rather than open anything; a hex secret is found only when
 *   it is named (`api_key=...`). Longer base64 runs (over 128 characters) are data, not keys:
 *   flagging them would also cut encoded payloads out of stored injection attempts.
 */
import type { PiiDetector, PiiFinding } from "../types.js";

const PREFIXED: readonly { re: RegExp; confidence: number }[] = [
  { re: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/g, confidence: 0.97 },
  { re: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])/g, confidence: 0.98 },
  { re: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,255}/g, confidence: 0.98 },
  { re: /(?<![A-Za-z0-9_-])xox[baprs]-[A-Za-z0-9-]{10,250}/g, confidence: 0.96 },
  { re: /(?<![A-Za-z0-9_])[sr]k_(?:live|test)_[A-Za-z0-9]{16,250}/g, confidence: 0.97 },
  { re: /(?<![A-Za-z0-9_-])sk-(?:[a-z]{2,10}-)?[A-Za-z0-9_-]{20,250}/g, confidence: 0.9 },
  { re: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g, confidence: 0.96 },
];
/**
 * Cheap pre-checks before the regexes run, one case-insensitive alternation each: thirteen
 * `includes` over a lower-cased copy cost six times as much on a 500-character prompt.
 */
const PREFIX_HINTS = /akia|asia|gh[pousr]_|github_pat_|xox|k_live_|k_test_|sk-|aiza/i;
const ASSIGNMENT_HINTS = /pass|pwd|secret|key|token/i;
const PREFIX_HINT = /AKIA|ASIA|gh[pousr]_|github_pat_|xox[baprs]-|k_live_|k_test_|sk-|AIza/;

const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----/g;
const PEM_END = /-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----/g;

const ASSIGNMENT =
  /(?<![A-Za-z0-9])(?:password|passwd|passwort|pwd|pass|secret|client_secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token|private[_-]?key|secret[_-]?key)["']?\s{0,3}[:=]\s{0,3}["'“„«]?([^\s"',;`“”„«»]{4,200})/gi;
const SPOKEN =
  /(?:my password is|the password is|password is|mein passwort ist|mon mot de passe est|mot de passe :)\s{1,3}["'“„«]?([^\s"',;`“”„«»]{4,64})/gi;
const PLACEHOLDER =
  /^(?:[*x•.]+|<.*|\$\{?.*|\{\{.*|%.*|null|none|true|false|undefined|required|optional|string|redacted|\[.*)$/i;

/** Longer runs are data (a base64 payload, an image), not a key; JWTs and PEM blocks have their own rules. */
const MAX_TOKEN = 128;
/** Characters of a token: base64 and base64url. */
function tokenChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 43 ||
    c === 47 ||
    c === 95 ||
    c === 45
  );
}

/**
 * Runs of token characters of 24 or more, by a plain loop: a regex (`[A-Za-z0-9+/_-]{24,}`)
 * restarts at every character of every shorter word, and cost 110 µs on a 4 KB prompt.
 */
function tokens(text: string): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && tokenChar(text.charCodeAt(i))) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= 24) out.push([start, i]);
      start = -1;
    }
  }
  return out;
}

/** Shannon entropy of a string, in bits per character. */
export function shannonEntropy(s: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function classOf(c: number): number {
  if (c >= 97 && c <= 122) return 0;
  if (c >= 65 && c <= 90) return 1;
  if (c >= 48 && c <= 57) return 2;
  return 3;
}

/** A random-looking token: three classes, frequent class changes, entropy near random text of its length. */
export function looksRandom(token: string): boolean {
  const s = token.replace(/=+$/, "");
  if (s.length < 24 || s.length > MAX_TOKEN) return false;
  if (/^[0-9a-fA-F-]+$/.test(s)) return false; // hex: digests, commit ids, UUIDs (see the header)
  if (s.includes("/") && /^[\w.-]*(?:\/[\w.-]+)+\/?$/.test(s) && !/\d/.test(s)) return false; // a path
  const seen = [0, 0, 0, 0];
  let changes = 0;
  let previous = -1;
  for (let i = 0; i < s.length; i++) {
    const k = classOf(s.charCodeAt(i));
    seen[k]!++;
    if (previous !== -1 && k !== previous) changes++;
    previous = k;
  }
  if (seen[0]! === 0 || seen[1]! === 0 || seen[2]! < 2) return false;
  if (changes / (s.length - 1) < 0.3) return false;
  const expected = Math.log2(Math.min(s.length, 64));
  return shannonEntropy(s) >= expected * 0.8;
}

/** Words that follow "password is" or "secret:" in prose, not passwords. */
const PROSE_WORDS = new Set([
  "correct",
  "incorrect",
  "wrong",
  "right",
  "valid",
  "invalid",
  "empty",
  "missing",
  "set",
  "not",
  "being",
  "changed",
  "expired",
  "strong",
  "weak",
  "stored",
  "hashed",
  "encrypted",
  "required",
]);

/**
 * A value that reads as code or prose, not as a secret: a call (`os.environ.get(`), a word
 * of the PROSE_WORDS list, or (after a colon) one plain word that a sentence goes on from
 * ("my secret: Despite being ..."). Quoted values are kept: "the password is 'Tornado'".
 */
function notAValue(value: string, text: string, end: number): boolean {
  if (value.includes("(")) return true;
  if (PROSE_WORDS.has(value.toLowerCase().replace(/[.,!?;:]+$/, ""))) return true;
  if (/^(?:your|my|the|some)[_-]/i.test(value)) return true; // your_api_key, my_password
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return true; // process.env.TOKEN
  const quoted = /["'`]/.test(text[end] ?? "");
  return !quoted && /^[A-Za-z]+$/.test(value) && /^ [a-z]/.test(text.slice(end, end + 2));
}

/**
 * A base64 token that decodes to readable text is an encoded message, not a key: masking
 * it would cut an encoded injection out of the stored evidence (in any language: the
 * test is valid UTF-8 without control characters). A random key decodes to bytes that are
 * not UTF-8, or hold control characters.
 */
function encodedText(token: string): boolean {
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(token)) return false;
  const bytes = Buffer.from(token.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (bytes.length < 12) return false;
  let decoded: string;
  try {
    // Random bytes are almost never valid UTF-8 (and less so without control characters).
    decoded = STRICT_UTF8.decode(bytes);
  } catch {
    return false;
  }
  return !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(decoded);
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** An identifier made of words (SimpleBinaryOpTest__CompareEqualUInt32): runs of 3+ lower-case letters cover most of it. */
function wordy(token: string): boolean {
  let covered = 0;
  for (const m of token.matchAll(/[a-z]{3,}/g)) covered += m[0].length;
  return covered / token.length >= 0.5;
}

function push(out: PiiFinding[], detector: string, start: number, end: number, confidence: number): void {
  out.push({ type: "secret", detector, start, end, confidence });
}

export const secretDetector: PiiDetector = {
  id: "secret",
  type: "secret",
  find(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    if (PREFIX_HINTS.test(text) && PREFIX_HINT.test(text)) {
      for (const { re, confidence } of PREFIXED)
        for (const m of text.matchAll(re))
          push(out, "secret.prefix", m.index, m.index + m[0].length, confidence);
    }
    if (text.includes("eyJ")) {
      for (const m of text.matchAll(JWT)) push(out, "secret.jwt", m.index, m.index + m[0].length, 0.97);
    }
    if (text.includes("PRIVATE KEY-----")) {
      // indexOf-style walk: each BEGIN looks for the next END once; no backtracking over the text.
      PEM_BEGIN.lastIndex = 0;
      for (let b = PEM_BEGIN.exec(text); b; b = PEM_BEGIN.exec(text)) {
        PEM_END.lastIndex = b.index + b[0].length;
        const e = PEM_END.exec(text);
        if (!e) break;
        push(out, "secret.pem", b.index, e.index + e[0].length, 0.99);
        PEM_BEGIN.lastIndex = e.index + e[0].length;
      }
    }
    const assigned = ASSIGNMENT_HINTS.test(text);
    const spoken = assigned && /passw|mot de passe/i.test(text);
    for (const re of [...(assigned ? [ASSIGNMENT] : []), ...(spoken ? [SPOKEN] : [])]) {
      for (const m of text.matchAll(re)) {
        const value = m[1]!;
        // "max_tokens: 4096" is a setting; "my password is 123456" is a password.
        if (PLACEHOLDER.test(value) || (re !== SPOKEN && /^\d{1,7}$/.test(value))) continue;
        if (notAValue(value, text, m.index + m[0].length)) continue;
        const start = m.index + m[0].length - value.length;
        push(out, "secret.assignment", start, m.index + m[0].length, re === SPOKEN ? 0.8 : 0.85);
      }
    }
    for (const [start, stop] of tokens(text)) {
      let end = stop;
      while (end < text.length && end - stop < 2 && text[end] === "=") end++; // base64 padding
      if (text[end] === "=") continue; // more "=" than base64 padding has: not a token
      const token = text.slice(start, stop);
      if (looksRandom(token) && !encodedText(token) && !wordy(token))
        push(out, "secret.entropy", start, end, 0.6);
    }
    return out;
  },
};
