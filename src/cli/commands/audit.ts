/** `bulwark audit ...`: read, verify and snapshot the hash-chained audit trail. */
import type { Command } from "commander";
import { snapshotAudit } from "../../audit/chain.js";
import { IntegrityError } from "../../core/errors.js";
import type { AdminContext } from "../../server/admin.js";
import { loadServiceSettings } from "../../app/settings.js";
import { wholeNumber } from "../options.js";
import { action, printJson, printLine } from "../output.js";

/** The database and store are loaded when a command runs, so `bulwark --help` stays quick. */
async function withAdmin<T>(fn: (a: AdminContext) => Promise<T>): Promise<T> {
  return (await import("../../server/admin.js")).withAdmin(fn);
}

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("the append-only, hash-chained audit trail");

  audit
    .command("verify")
    .description(
      "walk the chain and check it against the locked snapshots; fails if an entry was edited or removed",
    )
    .option("--no-snapshots", "check the chain only, not the snapshots in the object store")
    .option("--json", "print the report as JSON")
    .action(
      action(async (opts: { snapshots: boolean; json?: boolean }) => {
        await withAdmin(async (a) => {
          const report = await a.audit.verify(opts.snapshots ? a.store() : undefined);
          if (opts.json) printJson(report);
          else {
            printLine(
              `${report.entries} entries, head ${report.head ? `#${report.head.seq} ${report.head.hash.slice(0, 16)}…` : "(empty)"}, ` +
                `${report.anchorsChecked} snapshot anchor(s) checked`,
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
      }),
    );

  audit
    .command("list")
    .description("print audit entries (oldest first; --desc for newest first)")
    .option("--after <seq>", "entries after this sequence number", wholeNumber())
    .option("--limit <n>", "at most this many entries", wholeNumber(), 50)
    .option("--actor <actor>", "only this actor, e.g. user:alice")
    .option("--action <action>", "only this action, e.g. auth.refused")
    .option("--desc", "newest first")
    .option("--json", "print JSON")
    .action(
      action(
        async (opts: {
          after?: number;
          limit: number;
          actor?: string;
          action?: string;
          desc?: boolean;
          json?: boolean;
        }) => {
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
        },
      ),
    );

  audit
    .command("snapshot")
    .description("write the entries since the last snapshot to snapshots/audit/ under Object Lock")
    .option("--json", "print JSON")
    .action(
      action(async (opts: { json?: boolean }) => {
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
      }),
    );
}
