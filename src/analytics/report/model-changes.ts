/**
 * Stage changes of every model in a report's range (promotions, rollbacks, archivals),
 * read from the registry's stage history, oldest first so they read as a timeline and
 * can be marked on the curves.
 */
import type { Range } from "../aggregates.js";
import type { DatabaseHandle } from "../../db/open.js";

/** The most changes a report lists; a range with more says how many were left out. */
export const LISTED_MODEL_CHANGES = 100;

export interface ModelChange {
  at: string;
  model: string;
  version: string;
  from: string;
  to: string;
  /** "promote", "rollback", "archive", "demote". */
  action: string;
  actor: string;
  reason: string | null;
}

export interface ModelChangesInRange {
  changes: ModelChange[];
  total: number;
}

export async function modelChangesInRange(
  handle: DatabaseHandle,
  range: Range,
): Promise<ModelChangesInRange> {
  const inRange = handle.db
    .selectFrom("model_stage_events")
    .where("at", ">=", range.from)
    .where("at", "<", range.to);
  const count = await inRange
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  const rows = await inRange
    .select(["at", "model_name", "version", "from_stage", "to_stage", "action", "actor", "reason"])
    .orderBy("at")
    .orderBy("id")
    .limit(LISTED_MODEL_CHANGES)
    .execute();
  return {
    total: Number(count.n),
    changes: rows.map((r) => ({
      at: r.at,
      model: r.model_name,
      version: r.version,
      from: r.from_stage,
      to: r.to_stage,
      action: r.action,
      actor: r.actor,
      reason: r.reason,
    })),
  };
}
