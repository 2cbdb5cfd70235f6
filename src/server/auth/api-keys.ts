/**
 * API keys: `bwk_` + 32 random bytes (base64url) + a 6-character CRC-32 check, so that a
 * leaked key is recognisable by secret scanners and a mistyped or forged one is refused
 * without touching the database. Only the SHA-256 of a key is stored: keys carry 256
 * bits of entropy, so a fast hash is enough and verification stays cheap per request.
 */
import { createHash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

export const API_KEY_PREFIX = "bwk_";
const BODY_LENGTH = 43; // 32 bytes in base64url
const CHECK_LENGTH = 6;
export const API_KEY_LENGTH = API_KEY_PREFIX.length + BODY_LENGTH + CHECK_LENGTH;
const KEY_PATTERN = /^bwk_[A-Za-z0-9_-]{49}$/;

function check(body: string): string {
  return (crc32(body) >>> 0).toString(36).padStart(CHECK_LENGTH, "0").slice(-CHECK_LENGTH);
}

export function generateApiKey(): string {
  const body = randomBytes(32).toString("base64url");
  return `${API_KEY_PREFIX}${body}${check(body)}`;
}

/** True when the text has the shape of a Bulwark key and its check characters match. */
export function isWellFormedApiKey(key: string): boolean {
  if (key.length !== API_KEY_LENGTH || !KEY_PATTERN.test(key)) return false;
  const body = key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + BODY_LENGTH);
  return check(body) === key.slice(-CHECK_LENGTH);
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** What listings show of a key: enough to recognise it, useless to use it. */
export function displayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 8);
}
