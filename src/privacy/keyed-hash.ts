/**
 * Keyed hashes (HMAC-SHA-256) for values that must stay joinable but unreadable: an
 * end-user's subject id, a redacted e-mail address. Without the key a hash cannot be
 * reversed or confirmed by guessing (a plain SHA-256 of an address can be, by trying
 * addresses); with it, the same value always gives the same hash. Each use has its own
 * domain, so a subject hash never equals the hash of the same string redacted in a text.
 */
import { createHmac } from "node:crypto";

/** The keyed hash of `value` in `domain`, as `length` hex digits. */
export function keyedHash(key: Buffer, domain: string, value: string, length = 64): string {
  return createHmac("sha256", key).update(domain).update("\0").update(value).digest("hex").slice(0, length);
}

/** What a stored subject reads as: `sub_` and 32 hex digits (128 bits). */
export const SUBJECT_HASH_PATTERN = /^sub_[0-9a-f]{32}$/;

/**
 * The stored form of an end-user's id: found again for erasure by hashing the id given,
 * never read back. An id that already is a subject hash is kept as it is, so rows that
 * pass through Bulwark twice (export, then import) do not get hashed twice.
 */
export function subjectHash(key: Buffer, subject: string): string {
  if (SUBJECT_HASH_PATTERN.test(subject)) return subject;
  return `sub_${keyedHash(key, "subject", subject, 32)}`;
}
