/**
 * What a model format is: the contract between the registry, which stores and verifies
 * files, and a model family, which turns verified files into something that detects. Kept
 * apart from the table of formats (model-formats.ts) so that a format's own module can
 * name the contract without importing the table that registers it.
 */
import type { Detector } from "../detect/types.js";
import type { ModelVersion } from "./types.js";

/** A file a format owns beside its artifact. */
export interface CompanionSpec {
  /** Object name under models/{name}/{version}/, e.g. "tokenizer.json". */
  fileName: string;
  contentType: string;
  /** A file some versions have and others do not (tokenizer_config.json); required when left out. */
  optional?: boolean;
}

/** A version a format's model is made of (an ensemble's members), and the loaded result. */
export interface LoadedMember {
  version: ModelVersion;
  model: unknown;
  detector: Detector;
}

/** What a format's `load` is given besides the bytes. */
export interface LoadContext {
  /** The version being loaded. */
  version: ModelVersion;
  /** Another version loaded, verified against its own SHA-256s, with its format's detector. */
  member(ref: string): Promise<LoadedMember>;
}

/** A version another version is made of, as recorded in its artifact. */
export interface MemberRef {
  ref: string;
  sha256: string;
}

export interface ModelFormat<M = unknown> {
  /** Stored with every version, e.g. "bulwark-builtin/1". */
  format: string;
  /** The trainer family that produces it, e.g. "builtin". */
  family: string;
  /** Artifact (primary file) object name under models/{name}/{version}/. */
  fileName: string;
  contentType: string;
  /** Files registered, verified and loaded together with the artifact; none when left out. */
  companions?: readonly CompanionSpec[];
  /**
   * Turns verified bytes into a model; `companions` holds the verified companion files by
   * file name. Throws IntegrityError on malformed bytes. May wait (an ONNX session loads
   * asynchronously; an ensemble loads its members). The registry always passes `context`;
   * a format of one self-contained file needs none.
   */
  load(
    bytes: Buffer,
    source: string,
    companions: Readonly<Record<string, Buffer>>,
    context?: LoadContext,
  ): M | Promise<M>;
  /** A detector over a loaded model (for comparisons and serving), when the family detects. */
  detector?(model: M, options?: { threshold?: number }): Detector;
  /** The versions a version of this format is made of (verified with it before promotion). */
  members?(artifact: Buffer): MemberRef[];
  /** Memory a loaded model holds beyond its files' size, as a multiple of it (default 1). */
  memoryFactor?: number;
}
