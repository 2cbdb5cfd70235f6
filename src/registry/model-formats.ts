/**
 * Model formats by name. The registry stores bytes, their SHA-256 and a format name, and
 * nothing else about a model; turning verified bytes into something that detects is the
 * format's job. Three families are registered here: the built-in model, ONNX
 * transformers (onnx-format.ts) and ensembles of other versions (ensemble-format.ts);
 * others register their own formats the same way.
 *
 * A format owns one primary file, the artifact, whose SHA-256 is the version's, and may
 * own companion files beside it (an ONNX transformer: model.onnx, then tokenizer.json and
 * config.json). Every file is stored under models/{name}/{version}/, its SHA-256 recorded
 * at registration and checked on every load before `load` sees any of them.
 */
import { ValidationError } from "../core/errors.js";
import { BuiltinDetector } from "../detect/builtin.js";
import { BuiltinModel, MODEL_FORMAT } from "../detect/model.js";
import { ensembleFormat } from "./ensemble-format.js";
import { UnknownModelFormatError } from "./errors.js";
import type { CompanionSpec, ModelFormat } from "./format-types.js";
import { onnxFormat } from "./onnx-format.js";

export type { CompanionSpec, LoadContext, LoadedMember, MemberRef, ModelFormat } from "./format-types.js";

export const builtinFormat: ModelFormat<BuiltinModel> = {
  format: MODEL_FORMAT,
  family: "builtin",
  fileName: "model.bwm",
  contentType: "application/vnd.bulwark.model",
  load: (bytes, source) => BuiltinModel.deserialize(bytes, source),
  detector: (model, options = {}) => new BuiltinDetector(model, { threshold: options.threshold }),
};

const formats = new Map<string, ModelFormat>(
  [builtinFormat, onnxFormat, ensembleFormat].map((f) => [f.format, f as ModelFormat]),
);

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Adds (or replaces) a format; its file names must be plain, distinct and not the manifest's. */
export function registerModelFormat<M>(format: ModelFormat<M>): void {
  const names = [format.fileName, ...companionsOf(format).map((c) => c.fileName)];
  for (const [i, name] of names.entries()) {
    if (!FILE_NAME.test(name) || name === "manifest.json" || names.indexOf(name) !== i)
      throw new ValidationError(
        `model format ${format.format}: file name "${name}" must be a plain file name (letters, digits, ".", "_", "-"), not manifest.json, and used once`,
      );
  }
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

/** The companion files a format declares (none for a format of one file). */
export function companionsOf(format: ModelFormat<unknown>): readonly CompanionSpec[] {
  return format.companions ?? [];
}
