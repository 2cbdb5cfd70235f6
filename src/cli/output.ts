/** Shared CLI plumbing: printing results as text or JSON, and turning errors into exit codes. */
import { BulwarkError, describeError } from "../core/errors.js";
import { TextBlock, printable } from "./format.js";

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Prints one line, or each line of a table. Every control character in it is escaped
 * (see `printable`): what is printed often holds stored strings (user names, targets,
 * job messages), and one of them must not forge a line or drive the terminal. JSON
 * output (printJson) stays exact JSON.
 */
export function printLine(line: string | TextBlock = ""): void {
  const lines = line instanceof TextBlock ? line.lines : [line];
  process.stdout.write(lines.map((l) => `${printable(l)}\n`).join(""));
}

/** Exit code 2 for bad input or refused operations, 1 for anything unexpected. */
export function exitCodeFor(err: unknown): number {
  return err instanceof BulwarkError && err.status < 500 ? 2 : 1;
}

export function reportError(err: unknown, json: boolean): void {
  if (json) {
    const code = err instanceof BulwarkError ? err.code : "INTERNAL_ERROR";
    const details = err instanceof BulwarkError ? err.details : undefined;
    process.stdout.write(
      `${JSON.stringify({ status: "error", error: describeError(err), code, details })}\n`,
    );
  }
  process.stderr.write(`bulwark: ${printable(describeError(err))}\n`);
  if (process.env.BULWARK_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}

/**
 * Wraps a command action so that a thrown error prints one clear line and sets a
 * non-zero exit code instead of a stack trace.
 */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void> | void,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const opts = args.find((a) => a && typeof a === "object" && "json" in (a as object)) as
        { json?: boolean } | undefined;
      reportError(err, Boolean(opts?.json));
      process.exitCode = exitCodeFor(err);
    }
  };
}

type ActionName<M> = { [K in keyof M]: M[K] extends (...args: never[]) => unknown ? K : never }[keyof M];

/**
 * An action whose body is the function `name` of a module loaded only when the command
 * runs (`() => import("../actions/<group>.js")`), wrapped like `action`. Command modules
 * declare commands and options, which is all that help and parsing need, so that
 * `bulwark --version`, `--help` and every other command do not load what this one uses.
 */
export function lazy<M, K extends ActionName<M>>(
  load: () => Promise<M>,
  name: K,
): (...args: unknown[]) => Promise<void> {
  return action(async (...args: unknown[]) => {
    const run = (await load())[name] as (...args: unknown[]) => Promise<void> | void;
    await run(...args);
  });
}
