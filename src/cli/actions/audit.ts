/** `bulwark audit ...`: read, verify and snapshot the hash-chained audit trail. */
import { snapshotAudit } from "../../audit/chain.js";
import { loadServiceSettings } from "../../app/settings.js";
import { IntegrityError } from "../../core/errors.js";
import { withAdmin } from "../../server/admin.js";
import { printJson, printLine } from "../output.js";

export async function auditVerify(opts: { snapshots: boolean; json?: boolean }): Promise<void> {
  await withAdmin(async (a) => {
    const report = await a.audit.verify(opts.snapshots ? a.store() : undefined);
    if (opts.json) printJson(report);
    else {
      printLine(
        `${report.entries} entries, head ${report.head ? `#${report.head.seq} ${report.head.hash.slice(0, 16)}…` : "(empty)"}, ` +
          `${report.anchorsChecked} locked seal(s) checked` +
          (report.sealedHead ? `, sealed up to #${report.sealedHead.seq}` : ""),
      );
      for (const p of report.problems) printLine(`  #${p.seq} ${p.kind}: ${p.message}`);
      if (report.ok) printLine("OK: the audit trail is intact");
    }
    if (!report.ok) {
      throw new IntegrityError(
        `the audit trail was tampered with: ${report.problems.length} problem(s) found`,
      );
    }
  });
}

export async function auditList(opts: {
  after?: number;
  limit: number;
  actor?: string;
  action?: string;
  desc?: boolean;
  json?: boolean;
}): Promise<void> {
  await withAdmin(async (a) => {
    const entries = await a.audit.list({
      ...(opts.after !== undefined ? { afterSeq: opts.after } : {}),
      limit: opts.limit,
      ...(opts.actor ? { actor: opts.actor } : {}),
      ...(opts.action ? { action: opts.action } : {}),
      order: opts.desc ? "desc" : "asc",
    });
    if (opts.json) return printJson(entries);
    for (const e of entries) {
      printLine(
        `#${e.seq} ${e.ts} ${e.actor} ${e.action} ${e.target} ${e.outcome}${e.details ? ` ${JSON.stringify(e.details)}` : ""}`,
      );
    }
  });
}

export async function auditSnapshot(opts: { json?: boolean }): Promise<void> {
  const settings = loadServiceSettings();
  await withAdmin(async (a) => {
    const result = await snapshotAudit(a.audit, a.store(), {
      mode: settings.audit.snapshotMode,
      retentionDays: settings.audit.snapshotRetentionDays,
    });
    if (opts.json) return printJson(result);
    if (!result) return printLine("nothing new since the last snapshot");
    printLine(
      `wrote ${result.key}: entries ${result.from}-${result.to}, ` +
        (result.locked
          ? `${settings.audit.snapshotMode} until ${result.retainUntil}`
          : "NOT locked (the bucket has no Object Lock)"),
    );
  });
}
