/**
 * How Bulwark runs one imported transformer: which labels mean an attack, how many tokens
 * the model takes, how long texts are cut into windows, and the threshold. Written once
 * at import into the version's own `bulwark-onnx.json` (SHA-256 recorded with the model's
 * files), so the way a version scores cannot change without a new version.
 */
import { ValidationError } from "../../core/errors.js";

export const SETTINGS_FILE = "bulwark-onnx.json";

export interface OnnxSettings {
  /** Label names whose probabilities add up to the attack score. */
  attackLabels: string[];
  /** Tokens per window, special tokens included (the model's maximum sequence length). */
  maxLength: number;
  /**
   * Character windows over long texts (the built-in detector's windowing); a window that
   * still encodes to more than `maxLength` tokens is cut again, so no token is dropped.
   */
  window: { size: number; stride: number };
  /** Windows per inference call. */
  batchSize: number;
  /** Attack probability at which a text is flagged. */
  threshold: number;
}

/** Characters per token assumed when sizing windows (about right for English subwords). */
const CHARS_PER_TOKEN = 4;

/** Settings for a model of `maxLength` tokens; windows sized to about fill it. */
export function defaultSettings(attackLabels: string[], maxLength: number): OnnxSettings {
  const size = Math.max(64, (maxLength - 2) * CHARS_PER_TOKEN);
  return {
    attackLabels,
    maxLength,
    window: { size, stride: Math.floor((size * 3) / 4) },
    batchSize: 8,
    threshold: 0.5,
  };
}

function int(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new ValidationError(`${SETTINGS_FILE}: ${name} must be a whole number from ${min} to ${max}`);
  return value;
}

/** Reads and checks a settings document. */
export function parseSettings(doc: unknown): OnnxSettings {
  if (typeof doc !== "object" || doc === null) throw new ValidationError(`${SETTINGS_FILE} is not an object`);
  const d = doc as Record<string, unknown>;
  const labels = d.attackLabels;
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === "string"))
    throw new ValidationError(`${SETTINGS_FILE}: attackLabels must be a list of label names`);
  const w = (d.window ?? {}) as Record<string, unknown>;
  const size = int(w.size, "window.size", 16, 1_000_000);
  const stride = int(w.stride, "window.stride", 1, size);
  const threshold = d.threshold;
  if (typeof threshold !== "number" || !(threshold > 0 && threshold < 1))
    throw new ValidationError(`${SETTINGS_FILE}: threshold must be between 0 and 1`);
  return {
    attackLabels: labels as string[],
    maxLength: int(d.maxLength, "maxLength", 8, 1_000_000),
    window: { size, stride },
    batchSize: int(d.batchSize, "batchSize", 1, 1024),
    threshold,
  };
}
