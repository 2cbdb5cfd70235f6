/** The model registry: versions, stages, integrity and lineage of models. */
export * from "./registry.js";
export * from "./errors.js";
export * from "./versions.js";
export {
  registerModelFormat,
  modelFormat,
  knownFormats,
  companionsOf,
  builtinFormat,
  type ModelFormat,
  type CompanionSpec,
} from "./model-formats.js";
export { DEFAULT_SNAPSHOT_RETENTION, type SnapshotRetention } from "./config.js";
export { writeSnapshot, type SnapshotResult } from "./snapshot.js";
