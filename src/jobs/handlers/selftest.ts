/** `system.selftest`: checks the queue end to end: waits with progress, failing its first attempts on request. */
import { setTimeout as sleep } from "node:timers/promises";
import { Type, type Static } from "@sinclair/typebox";
import { parseWith } from "../../core/schema.js";
import type { JobType } from "../types.js";

export const SelftestPayload = Type.Object(
  {
    ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, description: "how long it waits" })),
    failTimes: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10, description: "attempts that fail on purpose first" }),
    ),
  },
  { additionalProperties: false },
);

export const selftestJob: JobType = {
  validate(payload) {
    const p = parseWith(SelftestPayload, payload ?? {});
    return { ms: p.ms ?? 100, failTimes: p.failTimes ?? 0 };
  },
  async run(ctx) {
    const { ms, failTimes } = ctx.payload as Required<Static<typeof SelftestPayload>>;
    const steps = 10;
    for (let i = 1; i <= steps; i++) {
      await sleep(ms / steps, undefined, { signal: ctx.signal });
      ctx.progress(i / steps, `waited ${Math.round((ms * i) / steps)} ms`);
    }
    if (ctx.job.attempts <= failTimes) throw new Error(`failing attempt ${ctx.job.attempts} on purpose`);
    return { waitedMs: ms, attempt: ctx.job.attempts, worker: ctx.job.worker };
  },
};
