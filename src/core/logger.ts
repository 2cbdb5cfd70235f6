import { pino, type Logger, type LoggerOptions } from "pino";

/** Paths that must never reach a log line, whatever a caller passes in. */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers['x-api-key']",
  "req.headers.cookie",
  "password",
  "*.password",
  "token",
  "*.token",
  "apiKey",
  "*.apiKey",
  "secret",
  "*.secret",
  "secretAccessKey",
  "*.secretAccessKey",
];

export interface LoggerExtras {
  /**
   * Takes personal data out of every logged value and message (src/privacy/scrub.ts,
   * passed in by the process that starts: core imports nothing above it).
   */
  scrub?: <T>(value: T) => T;
}

export function createLogger(
  options: LoggerOptions = {},
  destination?: NodeJS.WritableStream,
  extras: LoggerExtras = {},
): Logger {
  const level = options.level ?? process.env.BULWARK_LOG_LEVEL ?? "info";
  const { scrub } = extras;
  const scrubbing: LoggerOptions = scrub
    ? {
        formatters: {
          ...options.formatters,
          log: (object) => scrub(options.formatters?.log?.(object) ?? object),
        },
        hooks: {
          logMethod(args, method) {
            // The message and its printf arguments; the merged object goes through formatters.log.
            const out = args.map((a, i) => (i === 0 && typeof a === "object" ? a : scrub(a)));
            method.apply(this, out as Parameters<typeof method>);
          },
        },
      }
    : {};
  return pino(
    { ...options, ...scrubbing, level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
    destination,
  );
}

export type { Logger };
