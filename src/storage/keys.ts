/**
 * Object key and bucket name rules, shared by both backends so that a name accepted on
 * local disk is accepted on S3 and the other way round. They are S3's rules (UTF-8, at
 * most 1024 bytes) narrowed so that no key can name a path outside the store's folder.
 */
import { InvalidKeyError, StorageArgumentError } from "./errors.js";

export const MAX_KEY_BYTES = 1024;
/** Leaves room under the 255-byte file-name limit for the local backend's escaping. */
export const MAX_SEGMENT_BYTES = 250;

// C0 and C1 controls and DEL: invisible in listings, and newlines break line-based tools.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function checkText(key: string, what: string): void {
  if (CONTROL.test(key)) throw new InvalidKeyError(key, `${what} contains a control character`);
  if (key.includes("\\")) throw new InvalidKeyError(key, `${what} contains a backslash (use "/")`);
  // A lone surrogate would be silently replaced when encoded to UTF-8, so two keys could collide.
  if (Buffer.from(key, "utf8").toString("utf8") !== key) {
    throw new InvalidKeyError(key, `${what} is not valid Unicode`);
  }
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
    throw new InvalidKeyError(key, `${what} is longer than ${MAX_KEY_BYTES} bytes of UTF-8`);
  }
  if (key.startsWith("/")) throw new InvalidKeyError(key, `${what} must be relative (it starts with "/")`);
}

function checkSegment(key: string, segment: string): void {
  if (segment === "") throw new InvalidKeyError(key, 'empty path segment ("//" or a trailing "/")');
  if (segment === "." || segment === "..") {
    throw new InvalidKeyError(key, `"${segment}" is not allowed as a path segment`);
  }
  if (Buffer.byteLength(segment, "utf8") > MAX_SEGMENT_BYTES) {
    throw new InvalidKeyError(key, `a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
}

/** Throws InvalidKeyError unless `key` is a valid object key; returns it otherwise. */
export function validateKey(key: unknown): string {
  if (typeof key !== "string") throw new InvalidKeyError(String(key), "a key must be a string");
  if (key.length === 0) throw new InvalidKeyError(key, "a key must not be empty");
  checkText(key, "the key");
  for (const segment of key.split("/")) checkSegment(key, segment);
  return key;
}

/** A listing prefix: any beginning of a valid key (it may end in "/" or mid-segment). */
export function validatePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === "") return "";
  checkText(prefix, "the prefix");
  const segments = prefix.split("/");
  const last = segments.pop() ?? "";
  for (const segment of segments) checkSegment(prefix, segment);
  if (last === "..") throw new InvalidKeyError(prefix, '".." is not allowed as a path segment');
  return prefix;
}

/** S3's bucket-name rules; on local disk the name is also a folder name. */
export function validateBucketName(bucket: string): string {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes("..")) {
    throw new StorageArgumentError(
      `bucket name "${bucket}" is not valid: 3-63 lower-case letters, digits, "." or "-", starting and ending with a letter or digit`,
    );
  }
  return bucket;
}

/** Splits a key into its folder part and last segment, the way S3 consoles show it. */
export function basename(key: string): string {
  const i = key.lastIndexOf("/");
  return i < 0 ? key : key.slice(i + 1);
}
