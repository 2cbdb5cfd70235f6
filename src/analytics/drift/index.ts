/** Drift: live traffic's distribution against the production model's validation data, by PSI. */
export * from "./profile.js";
export { psi, EMPTY_SHARE } from "./psi.js";
export { liveProfile, LIVE_MAX_ROWS, type LiveProfile } from "./live.js";
export * from "./reference.js";
export * from "./report.js";
export { DriftMonitor, type DriftMonitorOptions } from "./monitor.js";
