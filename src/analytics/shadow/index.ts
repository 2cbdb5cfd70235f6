/** Shadow models: the challenger's setting, its runner off the request path, and what its comparisons say. */
export * from "./types.js";
export * from "./config.js";
export { loadShadowDetector } from "./loader.js";
export { ShadowRunner, type ShadowRunnerDeps } from "./runner.js";
export * from "./queries.js";
