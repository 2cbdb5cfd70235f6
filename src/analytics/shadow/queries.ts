/**
 * What the shadow comparisons say, computed in the database (SQLite and PostgreSQL alike):
 * how many texts both models scored, how often they agreed, how the flagged share would
 * move if the shadow model were promoted, the disagreements by direction and category with
 * the latest examples (their texts as kept: redacted by default), and, for texts users
 * reported as wrongly judged, which model was right. Also what retention, erasure and
 * access need: a subject's rows, and rows older than a cutoff.
 */
import { sql } from "kysely";
import type { Kysely } from "kysely";
import type { DatabaseHandle } from "../../db/open.js";
import type { Database, ShadowResultsTable } from "../../db/schema.js";
import { resolveRange, type Range } from "../aggregates.js";
import { rankOf } from "../events/latency-bins.js";

/** The two ways two verdicts can disagree. */
export const DIRECTIONS = ["shadowFlags", "productionFlags"] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface ShadowExample {
  at: string;
  requestId: string;
  route: string;
  productionScore: number;
  shadowScore: number;
  /** The category of the model that flagged. */
  category: string | null;
  textLength: number;
  /** As kept: redacted by default, null with text mode `none`. */
  text: string | null;
}

export interface ShadowReport {
  from: string;
  to: string;
  /** Texts both models scored. */
  compared: number;
  agreed: number;
  /** agreed / compared; 0 without comparisons. */
  agreementRate: number;
  production: { flagged: number; flaggedRate: number };
  shadow: { flagged: number; flaggedRate: number };
  /** Comparisons by `name@version`, of each side. */
  models: { production: Record<string, number>; shadow: Record<string, number> };
  /** shadowFlags: the shadow model flags what production passes; productionFlags: the reverse. */
  disagreements: Record<Direction, number>;
  /** Disagreements by the flagging model's category (`none`: no category), per direction. */
  byCategory: Record<Direction, Record<string, number>>;
  /** The 10 latest disagreements per direction. */
  examples: Record<Direction, ShadowExample[]>;
  /** Shadow scoring time in ms (nearest rank); null without comparisons. */
  shadowLatency: { p50: number | null; p95: number | null };
  /**
   * Texts users reported (feedback joined by request id; rejected reports and requests
   * with several sampled texts left out) and which model judged them as the report says.
   */
  reports: {
    reported: number;
    productionRight: number;
    shadowRight: number;
    bothRight: number;
    neitherRight: number;
  };
}

const EXAMPLES = 10;
const NO_CATEGORY = "none";

export async function shadowReport(handle: DatabaseHandle, given: Partial<Range>): Promise<ShadowReport> {
  const range = resolveRange(given);
  const { db } = handle;
  const inRange = db.selectFrom("shadow_results").where("at", ">=", range.from).where("at", "<", range.to);
  const t = await inRange
    .select((eb) => [
      eb.fn.countAll<number | string>().as("compared"),
      eb.fn.sum<number | string | null>("production_flagged").as("pf"),
      eb.fn.sum<number | string | null>("shadow_flagged").as("sf"),
      sql<
        number | string | null
      >`sum(case when shadow_flagged = 1 and production_flagged = 0 then 1 else 0 end)`.as("sfo"),
      sql<
        number | string | null
      >`sum(case when shadow_flagged = 0 and production_flagged = 1 then 1 else 0 end)`.as("pfo"),
    ])
    .executeTakeFirstOrThrow();
  const compared = Number(t.compared);
  const rate = (n: number) => (compared === 0 ? 0 : n / compared);
  const disagreements = { shadowFlags: Number(t.sfo ?? 0), productionFlags: Number(t.pfo ?? 0) };
  const agreed = compared - disagreements.shadowFlags - disagreements.productionFlags;
  const pf = Number(t.pf ?? 0);
  const sf = Number(t.sf ?? 0);

  const countsBy = async (column: "production_model" | "shadow_model") => {
    const rows = await inRange
      .select((eb) => [eb.ref(column).as("key"), eb.fn.countAll<number | string>().as("n")])
      .groupBy(column)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
  };
  const disagreeing = (d: Direction) =>
    inRange
      .where("shadow_flagged", "=", d === "shadowFlags" ? 1 : 0)
      .where("production_flagged", "=", d === "shadowFlags" ? 0 : 1);
  const byCategory = async (d: Direction) => {
    const column = d === "shadowFlags" ? "shadow_category" : "production_category";
    const rows = await disagreeing(d)
      .select((eb) => [eb.ref(column).as("key"), eb.fn.countAll<number | string>().as("n")])
      .groupBy(column)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.key ?? NO_CATEGORY, Number(r.n)]));
  };
  const examples = async (d: Direction): Promise<ShadowExample[]> => {
    const rows = await disagreeing(d)
      .selectAll()
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(EXAMPLES)
      .execute();
    return rows.map((r) => ({
      at: r.at,
      requestId: r.request_id,
      route: r.route,
      productionScore: Number(r.production_score),
      shadowScore: Number(r.shadow_score),
      category: d === "shadowFlags" ? r.shadow_category : r.production_category,
      textLength: Number(r.text_length),
      text: r.text,
    }));
  };
  const percentile = async (p: number): Promise<number | null> => {
    if (compared === 0) return null;
    const row = await inRange
      .select("shadow_latency_ms")
      .orderBy("shadow_latency_ms")
      .limit(1)
      .offset(rankOf(p, compared) - 1)
      .executeTakeFirst();
    return row ? Number(row.shadow_latency_ms) : null;
  };

  return {
    ...range,
    compared,
    agreed,
    agreementRate: rate(agreed),
    production: { flagged: pf, flaggedRate: rate(pf) },
    shadow: { flagged: sf, flaggedRate: rate(sf) },
    models: { production: await countsBy("production_model"), shadow: await countsBy("shadow_model") },
    disagreements,
    byCategory: {
      shadowFlags: await byCategory("shadowFlags"),
      productionFlags: await byCategory("productionFlags"),
    },
    examples: {
      shadowFlags: await examples("shadowFlags"),
      productionFlags: await examples("productionFlags"),
    },
    shadowLatency: { p50: await percentile(0.5), p95: await percentile(0.95) },
    reports: await reportsAgreement(handle, range),
  };
}

/**
 * Reported texts: a report's label says what the text was (1 an attack, 0 benign), so the
 * model whose `flagged` equals it was right. A report names a request, not a text: only
 * requests with one sampled text are counted (a batch's reports cannot be told apart).
 */
async function reportsAgreement(handle: DatabaseHandle, range: Range): Promise<ShadowReport["reports"]> {
  const r = await sql<{
    reported: number | string;
    p: number | string | null;
    s: number | string | null;
    both_right: number | string | null;
    neither_right: number | string | null;
  }>`
    select count(*) as reported,
      sum(case when r.production_flagged = f.label then 1 else 0 end) as p,
      sum(case when r.shadow_flagged = f.label then 1 else 0 end) as s,
      sum(case when r.production_flagged = f.label and r.shadow_flagged = f.label then 1 else 0 end) as both_right,
      sum(case when r.production_flagged <> f.label and r.shadow_flagged <> f.label then 1 else 0 end) as neither_right
    from shadow_results as r
    join feedback as f on f.request_id = r.request_id and f.status <> 'rejected'
    where r.at >= ${range.from} and r.at < ${range.to}
      and (select count(*) from shadow_results as o where o.request_id = r.request_id) = 1`.execute(
    handle.db,
  );
  const x = r.rows[0];
  return {
    reported: Number(x?.reported ?? 0),
    productionRight: Number(x?.p ?? 0),
    shadowRight: Number(x?.s ?? 0),
    bothRight: Number(x?.both_right ?? 0),
    neitherRight: Number(x?.neither_right ?? 0),
  };
}

/** A subject's rows (its keyed hash), as stored: for access exports. */
export function shadowRowsOfSubject(db: Kysely<Database>, subject: string): Promise<ShadowResultsTable[]> {
  return db.selectFrom("shadow_results").selectAll().where("subject", "=", subject).orderBy("at").execute();
}

export async function countShadowOfSubject(db: Kysely<Database>, subject: string): Promise<number> {
  const r = await db
    .selectFrom("shadow_results")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("subject", "=", subject)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function deleteShadowOfSubject(db: Kysely<Database>, subject: string): Promise<number> {
  const r = await db.deleteFrom("shadow_results").where("subject", "=", subject).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Rows older than `before` (ISO): deleted, or counted on a dry run. */
export async function expireShadowRows(
  db: Kysely<Database>,
  before: string,
  dryRun: boolean,
): Promise<number> {
  if (dryRun) {
    const r = await db
      .selectFrom("shadow_results")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("at", "<", before)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
  const r = await db.deleteFrom("shadow_results").where("at", "<", before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
