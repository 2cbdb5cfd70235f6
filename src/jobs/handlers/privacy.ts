/**
 * `privacy.retention` (what is past its retention goes; a server queues it at the ticks of
 * BULWARK_RETENTION_SCHEDULE) and `privacy.erasure` (one data subject's data goes). An
 * erasure's payload holds the subject's keyed hash, never the id the operator gave: the
 * jobs table outlives the erasure.
 */
import { Type, type Static } from "@sinclair/typebox";
import { parseWith } from "../../core/schema.js";
import { SUBJECT_HASH_PATTERN } from "../../privacy/keyed-hash.js";
import { eraseSubject } from "../../retention/erasure.js";
import { runRetention } from "../../retention/retention.js";
import type { JobServices } from "../services.js";
import type { JobContext, JobType } from "../types.js";

export const RetentionPayload = Type.Object(
  {
    dryRun: Type.Optional(Type.Boolean({ description: "Count what is due without deleting it" })),
    scheduledFor: Type.Optional(Type.String({ maxLength: 40, description: "The cron tick that queued it" })),
  },
  { additionalProperties: false },
);

export const ErasurePayload = Type.Object(
  { subject: Type.String({ pattern: SUBJECT_HASH_PATTERN.source, description: "The subject's keyed hash" }) },
  { additionalProperties: false },
);

function rightsOf(services: JobServices) {
  if (!services.privacyRights) throw new Error("this process was started without the privacy services");
  return services.privacyRights;
}

export function privacyRetentionJob(services: JobServices): JobType {
  return {
    validate: (payload) => parseWith(RetentionPayload, payload ?? {}),
    async run(ctx: JobContext) {
      const p = ctx.payload as Static<typeof RetentionPayload>;
      const rights = rightsOf(services);
      ctx.progress(
        0.05,
        p.dryRun ? "counting what is past its retention" : "deleting what is past its retention",
      );
      const report = await runRetention(rights.deps, rights.limits(), {
        dryRun: p.dryRun ?? false,
        actor: ctx.job.createdBy,
      });
      for (const [kind, k] of Object.entries(report.kinds))
        if (k.cutoff)
          ctx.log(
            `${kind}: ${k.deleted} ${p.dryRun ? "due" : "deleted"}, ${k.protected} protected by Object Lock`,
          );
      return report;
    },
  };
}

export function privacyErasureJob(services: JobServices): JobType {
  return {
    validate: (payload) => parseWith(ErasurePayload, payload),
    async run(ctx: JobContext) {
      const p = ctx.payload as Static<typeof ErasurePayload>;
      ctx.progress(0.05, "finding the subject's data");
      const receipt = await eraseSubject(rightsOf(services).deps, p.subject, ctx.job.createdBy);
      if (!receipt.complete)
        ctx.log(
          `${receipt.protected.length} object version(s) are kept by Object Lock: see the receipt`,
          "warn",
        );
      return receipt;
    },
  };
}
