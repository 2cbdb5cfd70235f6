/** Detection events: recorded off the request path, redacted by default, read and deleted by queries. */
export * from "./types.js";
export { EventRecorder, EVENT_COLUMNS, type EventRecorderDeps } from "./recorder.js";
export { eventRow, eventIds, keptText, evidenceIds } from "./rows.js";
export * from "./queries.js";
