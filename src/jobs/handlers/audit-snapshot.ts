/** `audit.snapshot`: the audit entries since the last snapshot, written under Object Lock. */
import { Type } from "@sinclair/typebox";
import { snapshotAudit } from "../../audit/chain.js";
import { parseWith } from "../../core/schema.js";
import type { JobServices } from "../services.js";
import type { JobType } from "../types.js";

export const AuditSnapshotPayload = Type.Object({}, { additionalProperties: false });

export function auditSnapshotJob(services: JobServices): JobType {
  return {
    validate(payload) {
      return parseWith(AuditSnapshotPayload, payload ?? {});
    },
    async run(ctx) {
      ctx.progress(0.1, "reading new audit entries");
      const result = await snapshotAudit(services.audit, services.store, services.snapshot);
      if (!result) {
        ctx.log("no new audit entries since the last snapshot");
        return { written: false };
      }
      ctx.log(
        `wrote ${result.key} (entries ${result.from}-${result.to})` +
          (result.locked
            ? `, ${services.snapshot.mode} until ${result.retainUntil}`
            : ", NOT locked: the bucket has no Object Lock"),
        result.locked ? "info" : "warn",
      );
      return { written: true, ...result };
    },
  };
}
