/** Personal data: found, redacted, hashed with a key. Pure functions over text; no I/O. */
export * from "./types.js";
export { findPii, settleOverlaps, PII_DETECTORS, type FindOptions } from "./detect.js";
export { createRedactor, maskOf, type Redactor, type RedactorOptions } from "./redact.js";
export { keyedHash, subjectHash, SUBJECT_HASH_PATTERN } from "./keyed-hash.js";
export { scrubText, scrubValue, RECORD_PII_TYPES } from "./scrub.js";
