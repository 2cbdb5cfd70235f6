/**
 * A cycle told in one object: what `bulwark learn cycle --json` prints and the learn.cycle
 * job returns, `{cycle, champion, challenger, decision, rule, figures: {champion,
 * challenger}}` and the reason, the campaign and the files beside them.
 */
import { describeRule, type PromotionRule } from "./rule.js";
import type { CycleRecord } from "./types.js";

export interface CycleSummary {
  cycle: string;
  model: string;
  status: CycleRecord["status"];
  champion: string | null;
  challenger: string | null;
  decision: CycleRecord["decision"];
  reason: string | null;
  rule: PromotionRule & { text: string };
  figures: { champion: Record<string, unknown>; challenger: Record<string, unknown> } | null;
  campaign: CycleRecord["campaign"];
  files: { combined: string; manifest: string; modelSpecific: string[]; redTeam: string[] } | null;
  durationMs: number | null;
  error: string | null;
}

export function summariseCycle(c: CycleRecord): CycleSummary {
  return {
    cycle: c.id,
    model: c.model,
    status: c.status,
    champion: c.champion?.ref ?? null,
    challenger: c.challenger?.ref ?? null,
    decision: c.decision,
    reason: c.reason,
    rule: { ...c.rule, text: describeRule(c.rule) },
    figures: c.figures ? { champion: c.figures.champion, challenger: c.figures.challenger } : null,
    campaign: c.campaign,
    files: c.data
      ? {
          combined: c.data.combined.key,
          manifest: c.data.combined.manifestKey,
          modelSpecific: c.data.modelSpecific,
          redTeam: c.campaign?.files ?? [],
        }
      : null,
    durationMs: c.timings?.total ?? null,
    error: c.error,
  };
}
