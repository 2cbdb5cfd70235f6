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

export function createLogger(options: LoggerOptions = {}, destination?: NodeJS.WritableStream): Logger {
  const level = options.level ?? process.env.BULWARK_LOG_LEVEL ?? "info";
  return pino({ ...options, level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, destination);
}

export type { Logger };
