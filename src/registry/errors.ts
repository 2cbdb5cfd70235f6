/** Typed errors of the model registry (IntegrityError, for artifacts that fail their check, is core's). */
import { BulwarkError } from "../core/errors.js";

export class ModelNotFoundError extends BulwarkError {
  constructor(ref: string, hint = "see `bulwark models ls`") {
    super("MODEL_NOT_FOUND", `model ${ref} not found (${hint})`, 404, { ref });
    this.name = "ModelNotFoundError";
  }
}

export class ModelVersionExistsError extends BulwarkError {
  constructor(name: string, version: string) {
    super(
      "MODEL_VERSION_EXISTS",
      `model ${name} already has version ${version}; versions are immutable: pick another or leave it out to get the next one`,
      409,
      { name, version },
    );
    this.name = "ModelVersionExistsError";
  }
}

/** A stage change the registry will not make (archiving the production version, no rollback target...). */
export class StageChangeRefusedError extends BulwarkError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("STAGE_CHANGE_REFUSED", message, 409, details);
    this.name = "StageChangeRefusedError";
  }
}

export class UnknownModelFormatError extends BulwarkError {
  constructor(format: string, known: string[]) {
    super(
      "UNKNOWN_MODEL_FORMAT",
      `no loader for model format "${format}" (known: ${known.join(", ") || "none"})`,
      400,
      { format },
    );
    this.name = "UnknownModelFormatError";
  }
}
