/** The Bulwark library: detection in-process, and the building blocks behind the CLI and server. */
export { createDetector, type CreateDetectorOptions } from "./detect/create.js";
export { BuiltinDetector } from "./detect/builtin.js";
export { BuiltinModel } from "./detect/model.js";
export { CATEGORIES } from "./detect/types.js";
export type { Category, Detector, DetectOptions, Evidence, ModelRef, Verdict } from "./detect/types.js";
export { normalize } from "./text/normalize.js";
export { findPayloads } from "./text/payloads.js";
export { trainBuiltin, DEFAULT_PARAMS, type TrainParams, type TrainResult } from "./train/builtin-trainer.js";
export { loadConfig, type BulwarkConfig } from "./core/config.js";
export { BulwarkError } from "./core/errors.js";
