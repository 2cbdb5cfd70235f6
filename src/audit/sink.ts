/**
 * The audit trail's narrow waist: core modules (registry, data) record what happened
 * through this interface and never know where entries go. The HTTP service provides a
 * hash-chained implementation backed by the database; the defaults here are for the
 * library and the CLI.
 */
import { createLogger, type Logger } from "../core/logger.js";

export type AuditOutcome = "success" | "failure" | "denied";

export interface AuditEntry {
  /** Who did it: a user, an API key id, or `cli:<os user>` for the command line. */
  actor: string;
  /** A dotted verb, e.g. `model.promote`, `model.load`, `dataset.import`. */
  action: string;
  /** What it was done to, e.g. `builtin@1.2.0`. */
  target: string;
  outcome: AuditOutcome;
  details?: Record<string, unknown>;
}

export interface AuditSink {
  record(entry: AuditEntry): Promise<void>;
}

/** Drops every entry: the default when the caller keeps no audit trail. */
export const noopAuditSink: AuditSink = {
  async record() {},
};

/** Writes entries as structured log lines: failures and refusals at warn, the rest at info. */
export class LogAuditSink implements AuditSink {
  constructor(private readonly logger: Logger) {}

  async record(entry: AuditEntry): Promise<void> {
    const line = { audit: true, ...entry, at: new Date().toISOString() };
    if (entry.outcome === "success") this.logger.info(line, `${entry.action} ${entry.target}`);
    else this.logger.warn(line, `${entry.action} ${entry.target}: ${entry.outcome}`);
  }
}

/**
 * The command line's sink until the database-backed trail is wired in: refusals and
 * failures as warn lines on stderr; successes only when BULWARK_LOG_LEVEL is info or lower.
 */
export function stderrAuditSink(): AuditSink {
  return new LogAuditSink(createLogger({ level: process.env.BULWARK_LOG_LEVEL ?? "warn" }, process.stderr));
}

/** Keeps entries in memory, for tests and for callers that forward them in batches. */
export class MemoryAuditSink implements AuditSink {
  readonly entries: (AuditEntry & { at: string })[] = [];

  async record(entry: AuditEntry): Promise<void> {
    this.entries.push({ ...entry, at: new Date().toISOString() });
  }
}

/**
 * Records without ever failing the operation being audited: a sink that is down must not
 * turn a refused tampered model into a crash, nor undo a promotion that already happened.
 */
export async function safeRecord(sink: AuditSink | undefined, entry: AuditEntry): Promise<void> {
  if (!sink) return;
  try {
    await sink.record(entry);
  } catch (err) {
    process.emitWarning(`audit entry ${entry.action} ${entry.target} was not recorded: ${String(err)}`);
  }
}
