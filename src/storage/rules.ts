/**
 * Object Lock semantics (S3's), as pure functions: when a version may be deleted, when a
 * retention may be changed, and how a bucket default turns into a date. The local backend
 * enforces them itself; the S3 backend uses them to explain a refusal with the same typed
 * error, while the server remains the one that enforces. The arguments both backends take
 * (metadata, ranges, expiries, init options) are checked here too, so they refuse alike.
 */
import type { DefaultRetention, GetOptions, InitOptions, LockMode, Retention } from "./types.js";
import {
  BucketLockNotEnabledError,
  InvalidRangeError,
  ObjectLockedError,
  RetentionShorteningError,
  StorageArgumentError,
} from "./errors.js";

export const LOCK_MODES: readonly LockMode[] = ["GOVERNANCE", "COMPLIANCE"];
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** The user-metadata name under which the SHA-256 travels (x-amz-meta-sha256 on S3). */
export const SHA256_META = "sha256";
/** S3 limits user metadata to 2 KB per object. */
const MAX_METADATA_BYTES = 2048;
/** S3 caps presigned URLs at seven days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export function parseLockMode(value: string): LockMode {
  const mode = value.toUpperCase();
  if (mode !== "GOVERNANCE" && mode !== "COMPLIANCE") {
    throw new StorageArgumentError(`lock mode must be GOVERNANCE or COMPLIANCE, got "${value}"`);
  }
  return mode;
}

export function isRetentionActive(retention: Retention | undefined, now = Date.now()): boolean {
  return retention !== undefined && Date.parse(retention.retainUntil) > now;
}

/** Checks a retention a caller asks for and returns it with a normalised date. */
export function validateRetention(retention: Retention, now = Date.now()): Retention {
  const mode = parseLockMode(String(retention.mode));
  const until = Date.parse(retention.retainUntil);
  if (!Number.isFinite(until)) {
    throw new StorageArgumentError(`retainUntil must be an ISO-8601 date, got "${retention.retainUntil}"`);
  }
  if (until <= now) {
    throw new StorageArgumentError(`retainUntil must be in the future, got ${retention.retainUntil}`);
  }
  return { mode, retainUntil: new Date(until).toISOString() };
}

export function validateDefaultRetention(d: DefaultRetention): DefaultRetention {
  const mode = parseLockMode(String(d.mode));
  const hasDays = d.days !== undefined;
  const hasYears = d.years !== undefined;
  if (hasDays === hasYears) {
    throw new StorageArgumentError("a default retention needs either days or years (not both)");
  }
  const n = hasDays ? d.days : d.years;
  if (!Number.isInteger(n) || (n as number) < 1) {
    throw new StorageArgumentError(
      `default retention ${hasDays ? "days" : "years"} must be a positive integer`,
    );
  }
  return hasDays ? { mode, days: n as number } : { mode, years: n as number };
}

/** The retention a new version gets from its bucket's default. */
export function retentionFromDefault(d: DefaultRetention, now = Date.now()): Retention {
  const until = new Date(now);
  if (d.days !== undefined) until.setTime(now + d.days * 86_400_000);
  else until.setUTCFullYear(until.getUTCFullYear() + (d.years ?? 0));
  return { mode: d.mode, retainUntil: until.toISOString() };
}

/** What a bucket without Object Lock was asked for, as its refusal names it. */
export type LockUse = "Object Lock" | "retention or legal hold" | "a default retention";

/** S3 cannot turn Object Lock on later, so every use of it on a bucket without is refused alike. */
export function assertLockEnabled(bucket: string, enabled: boolean, use: LockUse): void {
  if (!enabled) throw new BucketLockNotEnabledError(bucket, use);
}

/**
 * What init() is asked for: Object Lock (the call's choice, else the store's configuration)
 * and a checked default retention, which only a bucket with Object Lock can have.
 */
export function initRequest(
  options: InitOptions,
  configuredLock: boolean,
): { wantLock: boolean; defaultRetention: DefaultRetention | undefined } {
  const defaultRetention = options.defaultRetention && validateDefaultRetention(options.defaultRetention);
  const wantLock = options.objectLock ?? configuredLock;
  if (defaultRetention && !wantLock) {
    throw new StorageArgumentError("a default retention needs a bucket with Object Lock (--object-lock)");
  }
  return { wantLock, defaultRetention };
}

export interface LockState {
  retention?: Retention | undefined;
  legalHold: boolean;
}

/** Why a version is protected right now, or undefined when it is not. */
export function protectionReason(state: LockState, now = Date.now()): string | undefined {
  const reasons: string[] = [];
  if (state.legalHold) reasons.push("a legal hold is on");
  if (state.retention && isRetentionActive(state.retention, now)) {
    reasons.push(`${state.retention.mode} retention until ${state.retention.retainUntil}`);
  }
  return reasons.length ? reasons.join(" and ") : undefined;
}

/** Throws ObjectLockedError unless the version may be deleted by this caller. */
export function assertDeletable(
  key: string,
  versionId: string,
  state: LockState,
  bypassGovernance: boolean,
  now = Date.now(),
): void {
  const details = { key, versionId };
  if (state.legalHold) {
    throw new ObjectLockedError(
      `version ${versionId} of "${key}" is under legal hold: it cannot be deleted until the hold is removed`,
      details,
    );
  }
  const r = state.retention;
  if (!r || !isRetentionActive(r, now)) return;
  if (r.mode === "COMPLIANCE") {
    throw new ObjectLockedError(
      `version ${versionId} of "${key}" is under COMPLIANCE retention until ${r.retainUntil}: nobody can delete it before then`,
      { ...details, mode: r.mode, retainUntil: r.retainUntil },
    );
  }
  if (!bypassGovernance) {
    throw new ObjectLockedError(
      `version ${versionId} of "${key}" is under GOVERNANCE retention until ${r.retainUntil}: ` +
        `deleting it needs the privileged governance bypass`,
      { ...details, mode: r.mode, retainUntil: r.retainUntil },
    );
  }
}

/**
 * Throws RetentionShorteningError unless `next` may replace `current`. Extending (same
 * mode, later or equal date) is always allowed; COMPLIANCE can never be shortened,
 * weakened or removed; any other change to an active GOVERNANCE retention needs bypass.
 */
export function assertRetentionChange(
  key: string,
  versionId: string,
  current: Retention | undefined,
  next: Retention | null,
  bypassGovernance: boolean,
  now = Date.now(),
): void {
  if (!current || !isRetentionActive(current, now)) return;
  const extends_ =
    next !== null &&
    next.mode === current.mode &&
    Date.parse(next.retainUntil) >= Date.parse(current.retainUntil);
  if (extends_) return;
  const details = { key, versionId, mode: current.mode, retainUntil: current.retainUntil };
  const what =
    next === null ? "removed" : next.mode !== current.mode ? `changed to ${next.mode}` : "shortened";
  if (current.mode === "COMPLIANCE") {
    throw new RetentionShorteningError(
      `COMPLIANCE retention of "${key}" version ${versionId} (until ${current.retainUntil}) cannot be ${what} by anyone; it can only be extended`,
      details,
    );
  }
  if (!bypassGovernance) {
    throw new RetentionShorteningError(
      `GOVERNANCE retention of "${key}" version ${versionId} (until ${current.retainUntil}) cannot be ${what} ` +
        `without the privileged governance bypass; it can be extended freely`,
      details,
    );
  }
}

/** User metadata: lower-case names, printable ASCII values, 2 KB in all, like S3. */
export function validateMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!metadata) return out;
  let bytes = 0;
  for (const [rawName, value] of Object.entries(metadata)) {
    const name = rawName.toLowerCase();
    if (!/^[a-z0-9][a-z0-9_-]{0,127}$/.test(name)) {
      throw new StorageArgumentError(`metadata name "${rawName}" must be letters, digits, "-" or "_"`);
    }
    if (name === SHA256_META) {
      throw new StorageArgumentError(`metadata name "${SHA256_META}" is reserved for the content's SHA-256`);
    }
    if (typeof value !== "string" || !/^[\x20-\x7e]*$/.test(value)) {
      throw new StorageArgumentError(`metadata "${name}" must be printable ASCII text`);
    }
    bytes += name.length + value.length;
    out[name] = value;
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new StorageArgumentError(
      `user metadata is ${bytes} bytes; S3 allows at most ${MAX_METADATA_BYTES}`,
    );
  }
  return out;
}

export function validateContentType(contentType: string | undefined): string {
  if (contentType === undefined || contentType === "") return DEFAULT_CONTENT_TYPE;
  if (!/^[\x20-\x7e]{1,255}$/.test(contentType)) {
    throw new StorageArgumentError(`content type "${contentType}" is not a valid media type`);
  }
  return contentType;
}

export function validateExpiry(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new StorageArgumentError(
      `link expiry must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS} (7 days), got ${seconds}`,
    );
  }
  return seconds;
}

/** A byte range as HTTP's Range: bytes=start-end asks for it: whole numbers, the end not before the start. */
export function validateRange(range: GetOptions["range"]): void {
  if (!range) return;
  const { start, end } = range;
  if (
    !Number.isInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isInteger(end) || end < start))
  ) {
    throw new StorageArgumentError(`invalid byte range ${start}-${end ?? ""}`);
  }
}

/**
 * The bytes a range reads from an object of `size` bytes, the way S3 answers it: a start
 * past the end is INVALID_RANGE (HTTP 416), an end past it stops at the last byte.
 */
export function resolveRange(
  key: string,
  size: number,
  range: GetOptions["range"],
): { start: number; end: number | undefined } {
  if (!range) return { start: 0, end: undefined };
  validateRange(range);
  const { start, end } = range;
  if (start >= size) throw new InvalidRangeError(key, start, size);
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}
