/**
 * `backup.create`: a backup of the database and a manifest of the store (src/backup/),
 * queued by the schedule (BULWARK_BACKUP_SCHEDULE) or by an administrator.
 */
import { Type } from "@sinclair/typebox";
import { createBackup } from "../../backup/create.js";
import { ValidationError } from "../../core/errors.js";
import { parseWith } from "../../core/schema.js";
import type { JobServices } from "../services.js";
import type { JobType } from "../types.js";

export const BackupPayload = Type.Object(
  {
    /** The schedule's tick, when the scheduler queued it. */
    scheduledFor: Type.Optional(Type.String({ maxLength: 40 })),
    /** Days under Object Lock (default: BULWARK_BACKUP_LOCK_DAYS). */
    lockDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 36_500 })),
  },
  { additionalProperties: false },
);

export function backupJob(services: JobServices): JobType {
  return {
    validate(payload) {
      return parseWith(BackupPayload, payload ?? {});
    },
    async run(ctx) {
      const settings = services.backup;
      if (!settings) throw new ValidationError("this process was built without a database to back up");
      const payload = ctx.payload as { lockDays?: number; scheduledFor?: string };
      if (payload.scheduledFor) {
        // Every server queues a job at each tick; the first one queued takes the backup.
        const first = await settings.db.db
          .selectFrom("jobs")
          .select("id")
          .where("type", "=", "backup.create")
          .where("payload", "like", `%"scheduledFor":"${payload.scheduledFor}"%`)
          .orderBy("created_at")
          .orderBy("id")
          .executeTakeFirst();
        if (first && first.id !== ctx.job.id) {
          ctx.log(`job ${first.id} takes the backup of the tick ${payload.scheduledFor}`);
          return { skipped: true, by: first.id };
        }
      }
      const lockDays = payload.lockDays ?? settings.lockDays;
      const manifest = await createBackup(
        { db: settings.db, store: services.store },
        {
          lockDays,
          lockMode: settings.lockMode,
          createdBy: ctx.job.createdBy,
          audit: services.audit,
          onProgress: (p) => {
            if (p.phase === "tables" && p.total)
              ctx.progress(0.05 + 0.6 * (p.done / p.total), `table ${p.item ?? ""}`.trim());
            else if (p.phase === "objects") ctx.progress(0.7, `listing objects (${p.done})`);
          },
        },
      );
      const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
      ctx.log(
        `backup ${manifest.id}: ${manifest.tables.length} tables, ${rows} rows, ${manifest.objects.count} objects` +
          (manifest.lock ? `, ${manifest.lock.mode} until ${manifest.lock.retainUntil}` : ", not locked"),
      );
      return {
        id: manifest.id,
        tables: manifest.tables.length,
        rows,
        objects: manifest.objects.count,
        lock: manifest.lock,
      };
    },
  };
}
