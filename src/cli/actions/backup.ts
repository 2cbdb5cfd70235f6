/** `bulwark backup ...`: what the backup commands do (src/backup/ over the configured database and store). */
import { withBackupTarget } from "../../app/backup.js";
import { createBackup } from "../../backup/create.js";
import { BackupIntegrityError } from "../../backup/errors.js";
import type { BackupProgress } from "../../backup/create.js";
import { listBackups } from "../../backup/read.js";
import { restoreBackup } from "../../backup/restore.js";
import { verifyBackup } from "../../backup/verify.js";
import { defaultActor } from "../../core/actor.js";
import { printJson, printLine } from "../output.js";
import { createProgress } from "../progress.js";

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  for (; v >= 1024 && i < units.length - 1; i++) v /= 1024;
  return `${v.toFixed(1)} ${units[i]}`;
}

/** One bar per phase (tables, objects, restore...), on a terminal only. */
function progressBar(): { onProgress: BackupProgress; stop(): void } {
  const bar = createProgress();
  let phase = "";
  return {
    onProgress(p) {
      // A count without a total (objects while they are being listed) has no bar to fill.
      if (p.total === undefined) return;
      if (p.phase !== phase) {
        phase = p.phase;
        bar.start(p.total, p.phase);
      }
      bar.update(p.done, p.item ? `${p.phase}: ${p.item}` : p.phase);
    },
    stop: () => bar.stop(),
  };
}

export async function backupCreate(opts: { lockDays?: number; json?: boolean }): Promise<void> {
  await withBackupTarget({ migrate: true }, async (t) => {
    const bar = progressBar();
    try {
      const manifest = await createBackup(
        { db: await t.db(), store: t.store },
        {
          lockDays: opts.lockDays ?? t.settings.backup.lockDays,
          lockMode: t.settings.audit.snapshotMode,
          createdBy: defaultActor(),
          audit: await t.audit(),
          onProgress: bar.onProgress,
        },
      );
      bar.stop();
      if (opts.json) return printJson(manifest);
      const rows = manifest.tables.reduce((n, x) => n + x.rows, 0);
      printLine(
        `backup ${manifest.id}: ${manifest.tables.length} tables (${rows} rows) of ${manifest.dialect}, ` +
          `${manifest.objects.count} objects (${formatBytes(manifest.objects.bytes)}) listed`,
      );
      printLine(
        manifest.lock
          ? `locked (${manifest.lock.mode}) until ${manifest.lock.retainUntil}`
          : "not locked (use --lock-days N to keep it under Object Lock)",
      );
      printLine("it holds password hashes, API key hashes and the token signing key: keep backups/ private");
    } finally {
      bar.stop();
    }
  });
}

export async function backupList(opts: { json?: boolean }): Promise<void> {
  await withBackupTarget({ migrate: false }, async (t) => {
    const all = await listBackups(t.store);
    if (opts.json) return printJson(all);
    if (all.length === 0)
      return printLine("no backups under backups/ (take one with `bulwark backup create`)");
    for (const b of all) {
      printLine(
        [
          b.id,
          b.createdAt,
          formatBytes(b.size),
          b.locked ? `locked until ${b.lockedUntil}` : "unlocked",
          b.complete
            ? `complete (${b.tables} tables, ${b.rows} rows, ${b.objects} objects)`
            : "INCOMPLETE (no manifest)",
        ].join("  "),
      );
    }
  });
}

export async function backupVerify(id: string, opts: { json?: boolean }): Promise<void> {
  await withBackupTarget({ migrate: false }, async (t) => {
    const bar = progressBar();
    const report = await verifyBackup(t.store, id, bar.onProgress).finally(() => bar.stop());
    if (opts.json) {
      printJson(report);
      // The report says what is wrong; the exit code says that something is.
      if (!report.ok) process.exitCode = 2;
      return;
    }
    printLine(
      `backup ${id}: ${report.tablesChecked} table files and ${report.objectsChecked} objects checked`,
    );
    for (const p of report.problems) printLine(`  ${p.kind} ${p.problem}: ${p.message}`);
    if (report.ok) return printLine("OK: every file and object matches its SHA-256");
    throw new BackupIntegrityError(
      `backup ${id} failed verification: ${report.problems.length} problem(s)`,
      report.problems,
    );
  });
}

export async function backupRestore(
  id: string,
  opts: { allowMissingObjects?: boolean; skipObjectCheck?: boolean; json?: boolean },
): Promise<void> {
  await withBackupTarget({ migrate: false }, async (t) => {
    const bar = progressBar();
    const db = await t.db();
    const report = await restoreBackup({ db, store: t.store }, id, {
      allowMissingObjects: opts.allowMissingObjects === true,
      skipObjectCheck: opts.skipObjectCheck === true,
      actor: defaultActor(),
      // Built on first use: before the restore the target may not even have the table.
      audit: { record: async (e) => (await t.audit()).record(e) },
      onProgress: bar.onProgress,
    }).finally(() => bar.stop());
    if (opts.json) return printJson(report);
    printLine(
      `restored backup ${id} (${report.dialect.from} -> ${report.dialect.to}): ${report.tables.length} tables, ${report.rows} rows`,
    );
    if (report.objectsChecked > 0 || report.objectProblems.length > 0)
      printLine(
        `${report.objectsChecked} objects checked, ${report.objectProblems.length} missing or changed`,
      );
    for (const p of report.objectProblems) printLine(`  ${p.problem}: ${p.message}`);
  });
}
