/** Semantic versions (MAJOR.MINOR.PATCH) of models, and references like `builtin@1.2.0`. */
import { ValidationError } from "../core/errors.js";

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
}

export type Bump = "major" | "minor" | "patch";

const SEMVER = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;
/** Model names, as a pattern string too so that HTTP and job schemas say the same. */
export const MODEL_NAME_PATTERN = "^[a-z0-9][a-z0-9._-]{0,63}$";
export const VERSION_PATTERN = "^\\d{1,9}\\.\\d{1,9}\\.\\d{1,9}$";
const MODEL_NAME = new RegExp(MODEL_NAME_PATTERN);

export function parseVersion(v: string): SemVer {
  const m = SEMVER.exec(v);
  if (!m) throw new ValidationError(`model version "${v}" must be a semantic version like 1.2.0`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

export function formatVersion(v: SemVer): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

export function compareVersions(a: SemVer, b: SemVer): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** The version after `v`; the first version of a model is 1.0.0. */
export function bumpVersion(v: SemVer | undefined, bump: Bump = "minor"): SemVer {
  if (!v) return { major: 1, minor: 0, patch: 0 };
  if (bump === "major") return { major: v.major + 1, minor: 0, patch: 0 };
  if (bump === "minor") return { major: v.major, minor: v.minor + 1, patch: 0 };
  return { ...v, patch: v.patch + 1 };
}

export function parseBump(value: string): Bump {
  if (value !== "major" && value !== "minor" && value !== "patch")
    throw new ValidationError(`--bump must be major, minor or patch, got "${value}"`);
  return value;
}

export function validateModelName(name: string): string {
  if (!MODEL_NAME.test(name))
    throw new ValidationError(
      `model name "${name}" must be 1-64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  return name;
}

/**
 * `name`, `name@1.2.0`, or `name@<stage>` / `name@latest`. The selector is left to the
 * registry to resolve.
 */
export function parseModelRef(ref: string): { name: string; selector: string | undefined } {
  const at = ref.indexOf("@");
  const name = at === -1 ? ref : ref.slice(0, at);
  const selector = at === -1 ? undefined : ref.slice(at + 1);
  validateModelName(name);
  if (selector !== undefined && selector === "")
    throw new ValidationError(`"${ref}": give a version after "@", e.g. ${name}@1.0.0`);
  return { name, selector };
}
