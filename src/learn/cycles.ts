/**
 * The record of every learning cycle (table learn_cycles): started as "running" before any
 * work, so a cycle that crashed is visible, then closed with its decision and figures or
 * with the error that stopped it. The registry holds the models; this table says which
 * challenger met which champion, by what rule, and why it won or lost.
 */
import { defaultActor } from "../core/actor.js";
import { ConflictError, NotFoundError } from "../core/errors.js";
import { isUniqueViolation } from "../db/errors.js";
import { newId } from "../db/ids.js";
import type { DatabaseHandle } from "../db/open.js";
import { fromJson, toJson, type LearnCyclesTable } from "../db/schema.js";
import type { PromotionRule } from "./rule.js";
import type {
  CampaignSummary,
  CycleData,
  CycleDecision,
  CycleFigures,
  CycleRecord,
  CycleRequestRecord,
  CycleStatus,
  ModelRefSummary,
} from "./types.js";

/** Another process already started the cycle of this cron tick: nothing to do. */
export class TickTakenError extends ConflictError {
  constructor(readonly scheduledFor: string) {
    super(`the learning cycle scheduled for ${scheduledFor} has already run`, { scheduledFor });
    this.name = "TickTakenError";
  }
}

function toRecord(row: LearnCyclesTable): CycleRecord {
  const ref = (r: string | null, sha: string | null): ModelRefSummary | null =>
    r ? { ref: r, sha256: sha ?? "" } : null;
  return {
    id: row.id,
    model: row.model_name,
    status: row.status as CycleStatus,
    champion: ref(row.champion, row.champion_sha256),
    challenger: ref(row.challenger, row.challenger_sha256),
    decision: row.decision as CycleDecision | null,
    reason: row.reason,
    rule: fromJson<PromotionRule>(row.rule, { recallHigherOn: [], recallNotLowerOn: [], fprTolerance: 0 }),
    figures: fromJson<CycleFigures | null>(row.figures, null),
    campaign: fromJson<CampaignSummary | null>(row.campaign, null),
    data: fromJson<CycleData | null>(row.data, null),
    timings: fromJson<Record<string, number> | null>(row.timings, null),
    options: fromJson<CycleRequestRecord>(row.options, {
      cases: 0,
      seed: 0,
      campaignRows: "failures",
      trigger: "",
    }),
    error: row.error,
    scheduledFor: row.scheduled_for,
    jobId: row.job_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    createdBy: row.created_by,
  };
}

export interface CycleStart {
  model: string;
  rule: PromotionRule;
  options: CycleRequestRecord;
  scheduledFor?: string | undefined;
  jobId?: string | undefined;
}

export interface CycleOutcome {
  champion: ModelRefSummary;
  challenger: ModelRefSummary;
  decision: CycleDecision;
  reason: string;
  figures: CycleFigures;
  campaign: CampaignSummary;
  data: CycleData;
  timings: Record<string, number>;
}

export class CycleStore {
  private readonly actor: string;

  constructor(
    readonly db: DatabaseHandle,
    options: { actor?: string } = {},
  ) {
    this.actor = options.actor ?? defaultActor();
  }

  /**
   * Opens a cycle's row. A scheduled cycle whose tick another process already took is a
   * ConflictError: the schedule fires on every server, and one cycle per tick is enough.
   */
  async start(input: CycleStart): Promise<CycleRecord> {
    const row: LearnCyclesTable = {
      id: newId("lc"),
      model_name: input.model,
      status: "running",
      champion: null,
      champion_sha256: null,
      challenger: null,
      challenger_sha256: null,
      decision: null,
      reason: null,
      rule: toJson(input.rule),
      figures: null,
      campaign: null,
      data: null,
      timings: null,
      options: toJson(input.options),
      error: null,
      scheduled_for: input.scheduledFor ?? null,
      job_id: input.jobId ?? null,
      started_at: new Date().toISOString(),
      finished_at: null,
      created_by: this.actor,
    };
    try {
      await this.db.db.insertInto("learn_cycles").values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err) && input.scheduledFor) throw new TickTakenError(input.scheduledFor);
      throw err;
    }
    return toRecord(row);
  }

  /** Names the champion as soon as it is known (a failed cycle still says what it faced). */
  async champion(id: string, champion: ModelRefSummary): Promise<void> {
    await this.db.db
      .updateTable("learn_cycles")
      .set({ champion: champion.ref, champion_sha256: champion.sha256 })
      .where("id", "=", id)
      .execute();
  }

  async succeed(id: string, outcome: CycleOutcome): Promise<CycleRecord> {
    await this.db.db
      .updateTable("learn_cycles")
      .set({
        status: "succeeded",
        champion: outcome.champion.ref,
        champion_sha256: outcome.champion.sha256,
        challenger: outcome.challenger.ref,
        challenger_sha256: outcome.challenger.sha256,
        decision: outcome.decision,
        reason: outcome.reason,
        figures: toJson(outcome.figures),
        campaign: toJson(outcome.campaign),
        data: toJson(outcome.data),
        timings: toJson(outcome.timings),
        finished_at: new Date().toISOString(),
      })
      .where("id", "=", id)
      .execute();
    return this.get(id);
  }

  async fail(
    id: string,
    error: string,
    partial: { challenger?: ModelRefSummary; timings?: Record<string, number> } = {},
  ): Promise<CycleRecord> {
    await this.db.db
      .updateTable("learn_cycles")
      .set({
        status: "failed",
        error,
        finished_at: new Date().toISOString(),
        ...(partial.challenger
          ? { challenger: partial.challenger.ref, challenger_sha256: partial.challenger.sha256 }
          : {}),
        ...(partial.timings ? { timings: toJson(partial.timings) } : {}),
      })
      .where("id", "=", id)
      .execute();
    return this.get(id);
  }

  async get(id: string): Promise<CycleRecord> {
    const row = await this.db.db
      .selectFrom("learn_cycles")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`learning cycle ${id}`, { id });
    return toRecord(row);
  }

  /** Newest first. */
  async list(
    options: { model?: string; decision?: CycleDecision; limit?: number } = {},
  ): Promise<CycleRecord[]> {
    let q = this.db.db.selectFrom("learn_cycles").selectAll();
    if (options.model) q = q.where("model_name", "=", options.model);
    if (options.decision) q = q.where("decision", "=", options.decision);
    const rows = await q
      .orderBy("started_at", "desc")
      .orderBy("id", "desc")
      .limit(options.limit ?? 50)
      .execute();
    return rows.map(toRecord);
  }
}
