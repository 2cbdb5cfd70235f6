/**
 * Shared CLI plumbing: printing results as text (terminal-safe) or JSON, and turning errors
 * into exit codes. Loaded by every command, so it stays small.
 */
import { BulwarkError, describeError } from "../core/errors.js";

/**
 * Characters a terminal acts on instead of showing: C0 controls (newline, carriage
 * return, escape...), DEL, C1 controls (0x9b is a one-byte CSI), the line and paragraph
 * separators, and the bidirectional marks, embeddings, overrides and isolates that reorder
 * what is shown (U+202E makes "exe.txt" read "txt.exe").
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/gu;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Text from the database or a file made safe for one terminal line: every character
 * above is shown as an escape (`\n`, `\x1b`, `\u202e`), so a stored name can neither
 * start a new line that looks like Bulwark's output nor move the cursor, recolour the
 * screen or reorder the text around it.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.codePointAt(0)!;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Several lines laid out by the CLI itself; each line is still escaped when printed. */
export class TextBlock {
  constructor(readonly lines: readonly string[]) {}

  toString(): string {
    return this.lines.join("\n");
  }
}

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
