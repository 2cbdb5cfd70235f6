/**
 * `bulwark privacy redact`: the redaction the service applies, on a text from the command
 * line, a file or stdin. Mask and remove need nothing but the text; hash mode opens the
 * configured database for the deployment's key (or takes BULWARK_PRIVACY_KEY), so its
 * hashes match those of the running service and of stored events.
 */
import { readFile } from "node:fs/promises";
import { text as readStream } from "node:stream/consumers";
import { openPrivacy } from "../../app/privacy.js";
import { loadServiceSettings } from "../../app/settings.js";
import { loadConfig } from "../../core/config.js";
import { ValidationError } from "../../core/errors.js";
import { openDatabase } from "../../db/index.js";
import { createRedactor, type Redaction, type RedactionMode } from "../../privacy/index.js";
import { printJson } from "../output.js";

interface RedactOpts {
  text?: string;
  file?: string;
  mode: RedactionMode;
  json?: boolean;
}

async function input(opts: RedactOpts): Promise<string> {
  if (opts.text !== undefined && opts.file !== undefined)
    throw new ValidationError("give the text with --text or --file, not both");
  if (opts.text !== undefined) return opts.text;
  if (opts.file !== undefined && opts.file !== "-") return readFile(opts.file, "utf8");
  return readStream(process.stdin);
}

async function redact(text: string, mode: RedactionMode): Promise<Redaction> {
  if (mode !== "hash") return createRedactor({ mode }).redact(text);
  const db = await openDatabase(loadConfig());
  try {
    const privacy = await openPrivacy(db.db, loadServiceSettings(process.env).privacy);
    return privacy.redactorFor("hash").redact(text);
  } finally {
    await db.close();
  }
}

export async function privacyRedact(opts: RedactOpts): Promise<void> {
  const text = await input(opts);
  if (text === "") throw new ValidationError("no text given: use --text, --file or stdin");
  const result = await redact(text, opts.mode);
  if (opts.json) return printJson({ text: result.text, findings: result.findings, mode: opts.mode });
  process.stdout.write(result.text.endsWith("\n") ? result.text : `${result.text}\n`);
  const counts = new Map<string, number>();
  for (const f of result.findings) counts.set(f.type, (counts.get(f.type) ?? 0) + 1);
  const summary = [...counts].map(([type, n]) => `${type} ${n}`).join(", ");
  process.stderr.write(`bulwark: ${result.findings.length} finding(s)${summary ? `: ${summary}` : ""}\n`);
}
