/**
 * `bulwark privacy erase|export|retention`: the same work as /v1/privacy, on the configured
 * database and store, audited under the CLI's actor. The subject's id is hashed with the
 * deployment's key (BULWARK_PRIVACY_KEY or the one kept in the database), as the server does.
 */
import { writeFile } from "node:fs/promises";
import { openApp, type App } from "../../app/app.js";
import { retentionLimits } from "../../app/settings.js";
import { defaultActor } from "../../core/actor.js";
import {
  eraseSubject,
  exportSubject,
  runRetention,
  type ErasureReceipt,
  type PrivacyDeps,
} from "../../retention/index.js";
import { printJson, printLine } from "../output.js";

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
