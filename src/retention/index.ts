/** Retention, erasure and access over the database and the object store (see each module's header). */
export { runRetention, type RetentionOptions } from "./retention.js";
export { eraseSubject } from "./erasure.js";
export { exportSubject } from "./access.js";
export { DERIVED_PREFIXES } from "./derived.js";
export * from "./types.js";
