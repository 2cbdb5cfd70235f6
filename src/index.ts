/**
 * The Bulwark detection library (`import ... from "bulwark"`): detectors in-process, with the
 * model shipped in the package. It loads no database driver, object store, queue or
 * schema library (the lint's library-entry rule keeps it so). Training is a separate entry,
 * `bulwark/train`, because the trainer and its parameter schema cost more to load than
 * detection itself.
 */
export { createDetector, type CreateDetectorOptions } from "./detect/create.js";
export { BuiltinDetector } from "./detect/builtin.js";
export { BuiltinModel } from "./detect/model.js";
export { Ensemble, UnknownDetectorError } from "./detect/ensemble.js";
export {
  scanDocument,
  type ScanOptions,
  type ScanResult,
  type WindowFinding,
} from "./detect/document-scan.js";
export { CATEGORIES } from "./detect/types.js";
export type {
  Category,
  Detector,
  DetectOptions,
  Evidence,
  ModelRef,
  SyncDetector,
  Verdict,
} from "./detect/types.js";
export { screenOutput } from "./detect/output/screen.js";
export {
  canaryInstruction,
  hashCanary,
  isCanaryToken,
  newCanaryToken,
} from "./detect/output/canary-token.js";
export { promptFingerprint, type PromptFingerprint } from "./detect/output/prompt-text.js";
export { OUTPUT_CATEGORIES } from "./detect/output/types.js";
export type {
  CanaryFinding,
  OutputCategory,
  OutputEvidence,
  OutputVerdict,
  PromptLeakReport,
  ScreenOutputOptions,
  SystemPromptRef,
} from "./detect/output/types.js";
export { normalize } from "./text/normalize.js";
export { findPayloads } from "./text/payloads.js";
export { BulwarkError } from "./core/errors.js";
