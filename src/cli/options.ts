/**
 * Parsers for option values, shared by every command. A bad value throws commander's
 * InvalidArgumentError, which commander reports as a usage error naming the option
 * ("option '--limit <n>' argument '0' is invalid. must be a positive whole number"),
 * and `bulwark` exits with code 2. Imports nothing but commander: command modules load
 * this at start-up.
 */
import { InvalidArgumentError } from "commander";

/** A whole number of at least `min`: 0 for counts and offsets, 1 for limits, days and lifetimes. */
export function wholeNumber(min = 0): (value: string) => number {
  const expected =
    min === 0
      ? "a whole number"
      : min === 1
        ? "a positive whole number"
        : `a whole number of at least ${min}`;
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be ${expected}`);
    return n;
  };
}

/** A number greater than zero, fractions allowed (seconds, say). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
  return n;
}

/** A decision threshold in [0, 1]. */
export function threshold(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError("it must be a number within [0, 1]");
  return n;
}

/** A TCP port, 0 (any free port) to 65535. */
export function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError("must be a port number");
  return n;
}

/** A size in bytes: 10485760, 10MB, 1.5GiB... (powers of 1024). */
export function byteSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError("must be a size like 1048576, 10MB or 2GiB");
  const unit = (m[2] ?? "").toLowerCase().replace(/i?b$/, "");
  const power = ["", "k", "m", "g", "t"].indexOf(unit);
  return Math.round(Number(m[1]) * 1024 ** power);
}

/** One of a fixed list of words (roles, stages, statuses). */
export function oneOf<T extends string>(
  values: readonly T[],
  message = `must be one of ${values.join(", ")}`,
): (value: string) => T {
  return (value) => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(message);
    return value as T;
  };
}

/** A repeatable option: each occurrence adds its value to the list. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * A parser of the domain (which throws a ValidationError with its own message, such as
 * `parseBump`) as an option parser, so that a bad value is a usage error like any other.
 */
export function fromDomain<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}
