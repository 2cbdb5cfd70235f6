/**
 * `bulwark privacy ...`: the work of /v1/privacy on the configured database and store.
 * - erase|export|retention: audited under the CLI's actor. The subject's id is hashed with
 *   the deployment's key (BULWARK_PRIVACY_KEY or the one kept in the database), as the
 *   server does.
 * - redact: the redaction the service applies, on a text from the command line, a file or
 *   stdin. Mask and remove need nothing but the text; hash mode opens the configured
 *   database for the deployment's key, so its hashes match the service's.
 */
import { readFile, writeFile } from "node:fs/promises";
import { openApp, type App } from "../../app/app.js";
import { loadServiceSettings, retentionLimits } from "../../app/settings.js";
import { defaultActor } from "../../core/actor.js";
import {
  eraseSubject,
  exportSubject,
  runRetention,
  type ErasureReceipt,
  type PrivacyDeps,
} from "../../retention/index.js";
import { printJson, printLine } from "../output.js";
import { text as readStream } from "node:stream/consumers";
import { openPrivacy } from "../../app/privacy.js";
import { loadConfig } from "../../core/config.js";
import { ValidationError } from "../../core/errors.js";
import { openDatabase } from "../../db/index.js";
import { createRedactor, type Redaction, type RedactionMode } from "../../privacy/index.js";

async function withApp<T>(fn: (app: App, deps: PrivacyDeps) => Promise<T>): Promise<T> {
  const app = await openApp();
  try {
    return await fn(app, { db: app.db, store: app.store, audit: app.audit });
  } finally {
    await app.close();
  }
}

function describeReceipt(r: ErasureReceipt): string[] {
  const v = r.derived.versions;
  return [
    `erasure    ${r.id} of ${r.subject}, ${r.at.slice(0, 19)} by ${r.by}`,
    `events     ${r.events.removed} of ${r.events.found} removed`,
    `feedback   ${r.feedback.removed} of ${r.feedback.found} removed`,
    `shadow     ${r.shadow.removed} of ${r.shadow.found} removed`,
    `derived    ${r.derived.rows} rows in ${r.derived.objects.length} objects; ${v.rewritten} rewritten, ${v.removed} of ${v.found} versions deleted`,
    ...(r.datasets.length
      ? [`datasets   ${r.datasets.map((d) => `${d.name}@${d.version}`).join(", ")}`]
      : []),
    ...(r.models.length ? [`retrain    ${r.models.join(", ")} (marked retrain_required)`] : []),
    ...r.protected.map(
      (p) =>
        `PROTECTED  ${p.key} version ${p.versionId}: ${p.reason}${p.retainUntil ? ` (erase it again after ${p.retainUntil})` : ""}`,
    ),
  ];
}

export async function privacyErase(opts: { subject: string; json?: boolean }): Promise<void> {
  await withApp(async (app, deps) => {
    const receipt = await eraseSubject(deps, app.privacy.subject(opts.subject), defaultActor());
    if (opts.json) return printJson(receipt);
    for (const line of describeReceipt(receipt)) printLine(line);
    if (!receipt.complete)
      process.stderr.write(
        `bulwark: ${receipt.protected.length} object version(s) are kept by Object Lock; the receipt is in the audit trail\n`,
      );
  });
}

export async function privacyExport(opts: { subject: string; output?: string }): Promise<void> {
  await withApp(async (app, deps) => {
    const subject = app.privacy.subject(opts.subject);
    const data = await exportSubject(deps, subject);
    await app.audit.record({
      actor: defaultActor(),
      action: "privacy.export",
      target: `subject:${subject}`,
      outcome: "success",
      details: { events: data.events.length, feedback: data.feedback.length, derived: data.derived.length },
    });
    if (!opts.output) return printJson(data);
    await writeFile(opts.output, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    process.stderr.write(
      `bulwark: wrote ${opts.output}: ${data.events.length} events, ${data.feedback.length} reports, ${data.derived.length} derived rows\n`,
    );
  });
}

export async function privacyRetention(opts: { dryRun?: boolean; json?: boolean }): Promise<void> {
  await withApp(async (app, deps) => {
    const report = await runRetention(deps, retentionLimits(app.settings), {
      dryRun: opts.dryRun ?? false,
      actor: defaultActor(),
    });
    if (opts.json) return printJson(report);
    for (const [kind, k] of Object.entries(report.kinds)) {
      if (!k.cutoff) printLine(`${kind.padEnd(9)}  kept until erased`);
      else
        printLine(
          `${kind.padEnd(9)}  ${k.deleted} ${report.dryRun ? "due" : "deleted"} (older than ${k.days} days)${k.protected ? `, ${k.protected} kept by Object Lock` : ""}`,
        );
    }
    for (const p of report.protectedVersions)
      printLine(`PROTECTED  ${p.key} version ${p.versionId}: ${p.reason}`);
  });
}

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
