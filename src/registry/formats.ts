/**
 * Model formats by name. The registry stores bytes, their SHA-256 and a format name, and
 * nothing else about a model; turning verified bytes into something that detects is the
 * format's job. The built-in family registers itself here; other families (ONNX
 * transformers...) register their own formats the same way.
 */
import { BuiltinDetector } from "../detect/builtin.js";
import { BuiltinModel, MODEL_FORMAT } from "../detect/model.js";
import type { Detector } from "../detect/types.js";
import { UnknownModelFormatError } from "./errors.js";

export interface ModelFormat<M = unknown> {
  /** Stored with every version, e.g. "bulwark-builtin/1". */
  format: string;
  /** The trainer family that produces it, e.g. "builtin". */
  family: string;
  /** Artifact object name under models/{name}/{version}/. */
  fileName: string;
  contentType: string;
  /** Turns verified bytes into a model; throws IntegrityError on malformed bytes. */
  load(bytes: Buffer, source: string): M;
  /** A detector over a loaded model (for comparisons and serving), when the family detects. */
  detector?(model: M, options?: { threshold?: number }): Detector;
}

export const builtinFormat: ModelFormat<BuiltinModel> = {
  format: MODEL_FORMAT,
  family: "builtin",
  fileName: "model.bwm",
  contentType: "application/vnd.bulwark.model",
  load: (bytes, source) => BuiltinModel.deserialize(bytes, source),
  detector: (model, options = {}) => new BuiltinDetector(model, { threshold: options.threshold }),
};

const formats = new Map<string, ModelFormat>([[builtinFormat.format, builtinFormat as ModelFormat]]);

export function registerModelFormat<M>(format: ModelFormat<M>): void {
  formats.set(format.format, format as ModelFormat);
}

export function modelFormat(name: string): ModelFormat {
  const f = formats.get(name);
  if (!f) throw new UnknownModelFormatError(name, [...formats.keys()]);
  return f;
}

export function knownFormats(): string[] {
  return [...formats.keys()];
}
