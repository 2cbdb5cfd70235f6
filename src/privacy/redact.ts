/**
 * Takes personal data out of a text before anything keeps it. One Redactor is built per
 * setting (mode, key, kinds) and used for every text: the same call serves detection
 * events, feedback reports, dataset imports, log lines and POST /v1/privacy/redact.
 */
import { findPii, type FindOptions } from "./detect.js";
import { keyedHash } from "./keyed-hash.js";
import type { PiiFinding, PiiType, Redaction, RedactionMode } from "./types.js";

export interface RedactorOptions extends FindOptions {
  mode: RedactionMode;
  /** The secret of `hash` mode; required there, unused otherwise. */
  key?: Buffer | undefined;
}

export interface Redactor {
  readonly mode: RedactionMode;
  redact(text: string): Redaction;
}

const HASH_DIGITS = 12;

export function maskOf(type: PiiType): string {
  return `[${type.toUpperCase()}]`;
}

export function createRedactor(options: RedactorOptions): Redactor {
  const { mode, key } = options;
  if (mode === "hash" && !key) throw new Error("hash redaction needs a key");
  const replacement = (text: string, f: PiiFinding): string => {
    if (mode === "remove") return "";
    if (mode === "mask") return maskOf(f.type);
    const value = text.slice(f.start, f.end);
    return `[${f.type.toUpperCase()}:${keyedHash(key!, `pii:${f.type}`, canonical(f.type, value), HASH_DIGITS)}]`;
  };
  return {
    mode,
    redact(text: string): Redaction {
      const findings = findPii(text, options);
      if (findings.length === 0) return { text, findings };
      let out = "";
      let at = 0;
      for (const f of findings) {
        out += text.slice(at, f.start) + replacement(text, f);
        at = f.end;
      }
      return { text: out + text.slice(at), findings };
    },
  };
}

/** One value written several ways hashes alike: case of e-mail addresses, separators of numbers. */
function canonical(type: PiiType, value: string): string {
  switch (type) {
    case "email":
      return value.toLowerCase();
    case "card":
    case "iban":
    case "phone":
    case "national_id":
      return value.replace(/[\s().-]/g, "").toUpperCase();
    default:
      return value;
  }
}
