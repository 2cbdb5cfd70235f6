/**
 * Retention: each kind of kept data lives as many days as settings.retention says (0: until
 * erased), then goes. Detection events and feedback reports are rows, deleted by their time;
 * shadow model comparisons go with the events' limit; red-team results and log objects are object versions, deleted for good by version id;
 * datasets (only when a limit is set) go as a catalogue row with its objects. A version
 * under Object Lock retention or legal hold is never deleted: it is counted as `protected`
 * and listed. A dry run counts without deleting. Every run, dry or not, leaves one audit
 * entry (`privacy.retention`) with the counts per kind and nothing of the contents.
 */
import { expireShadowRows } from "../analytics/shadow/queries.js";
import { PREFIXES } from "../storage/layout.js";
import { REDTEAM_PREFIX } from "../redteam/store.js";
import type { VersionEntry } from "../storage/types.js";
import { deleteVersion, lockOf, type ProtectedVersion } from "./objects.js";
import {
  RETENTION_KINDS,
  type PrivacyDeps,
  type RetentionKind,
  type RetentionKindReport,
  type RetentionLimits,
  type RetentionReport,
} from "./types.js";

const DAY_MS = 86_400_000;
const MAX_LISTED = 100;

export interface RetentionOptions {
  dryRun?: boolean;
  /** The run's clock (tests age data by moving it). */
  now?: Date;
  /** Who asked: "system:scheduler", "cli:alice", "key:ops". */
  actor: string;
}

export async function runRetention(
  deps: PrivacyDeps,
  limits: RetentionLimits,
  options: RetentionOptions,
): Promise<RetentionReport> {
  const now = options.now ?? new Date();
  const dryRun = options.dryRun ?? false;
  const listed: ProtectedVersion[] = [];
  const kinds = {} as Record<RetentionKind, RetentionKindReport>;
  for (const kind of RETENTION_KINDS) {
    const days = limits[kind];
    const cutoff = days > 0 ? new Date(now.getTime() - days * DAY_MS) : null;
    const report: RetentionKindReport = {
      days,
      cutoff: cutoff?.toISOString() ?? null,
      deleted: 0,
      protected: 0,
    };
    kinds[kind] = report;
    if (!cutoff) continue;
    const run = { deps, cutoff, now, dryRun, report, listed };
    if (kind === "events") await expireRows(run, "detection_events", "at");
    else if (kind === "feedback") await expireRows(run, "feedback", "created_at");
    else if (kind === "redteam") await expireObjects(run, REDTEAM_PREFIX);
    else if (kind === "logs") await expireObjects(run, PREFIXES.logs);
    else await expireDatasets(run);
  }
  const shadowCutoff = limits.events > 0 ? new Date(now.getTime() - limits.events * DAY_MS) : null;
  const shadow: RetentionKindReport = {
    days: limits.events,
    cutoff: shadowCutoff?.toISOString() ?? null,
    deleted: shadowCutoff ? await expireShadowRows(deps.db.db, shadowCutoff.toISOString(), dryRun) : 0,
    protected: 0,
  };
  const result: RetentionReport = {
    dryRun,
    at: now.toISOString(),
    kinds,
    shadow,
    protectedVersions: listed,
  };
  await deps.audit.record({
    actor: options.actor,
    action: "privacy.retention",
    target: "retention",
    outcome: "success",
    details: {
      dryRun,
      kinds: Object.fromEntries(
        RETENTION_KINDS.map((k) => [
          k,
          { days: kinds[k].days, deleted: kinds[k].deleted, protected: kinds[k].protected },
        ]),
      ),
      shadow: { days: shadow.days, deleted: shadow.deleted },
    },
  });
  return result;
}

interface Run {
  deps: PrivacyDeps;
  cutoff: Date;
  now: Date;
  dryRun: boolean;
  report: RetentionKindReport;
  listed: ProtectedVersion[];
}

function protect(run: Run, p: ProtectedVersion): void {
  run.report.protected++;
  if (run.listed.length < MAX_LISTED) run.listed.push(p);
}

/** Rows whose time column is before the cutoff (ISO-8601 text sorts by time). */
async function expireRows(run: Run, table: "detection_events" | "feedback", column: "at" | "created_at") {
  const db = run.deps.db.db;
  const before = run.cutoff.toISOString();
  if (run.dryRun) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where(column, "<", before)
      .executeTakeFirst();
    run.report.deleted = Number(row?.n ?? 0);
    return;
  }
  const result = await db.deleteFrom(table).where(column, "<", before).executeTakeFirst();
  run.report.deleted = Number(result.numDeletedRows);
}

/** Whether a version is due: older than the cutoff. */
const due = (v: VersionEntry, run: Run) => Date.parse(v.lastModified) < run.cutoff.getTime();

/** Every version under the prefix older than the cutoff; delete markers go silently. */
async function expireObjects(run: Run, prefix: string): Promise<void> {
  for await (const v of run.deps.store.listAllVersions(prefix)) {
    if (!due(v, run)) continue;
    await expireVersion(run, v);
  }
}

async function expireVersion(run: Run, v: VersionEntry): Promise<boolean> {
  const store = run.deps.store;
  if (run.dryRun) {
    if (v.isDeleteMarker) return true;
    // Locks are judged by the real clock, as the store enforces them.
    const lock = await lockOf(store, v.key, v.versionId);
    if (lock) protect(run, lock);
    else run.report.deleted++;
    return !lock;
  }
  const outcome = await deleteVersion(store, v);
  if (!outcome.deleted) {
    protect(run, outcome.protected);
    return false;
  }
  if (!v.isDeleteMarker) run.report.deleted++;
  return true;
}

/**
 * Dataset versions made before the cutoff: their objects (data, manifest, attachments'
 * folder) and their catalogue row, which is kept while any of its objects is protected, so
 * the catalogue never names data that is gone without saying why.
 */
async function expireDatasets(run: Run): Promise<void> {
  const db = run.deps.db.db;
  const rows = await db
    .selectFrom("datasets")
    .select(["id", "data_key", "manifest_key"])
    .where("created_at", "<", run.cutoff.toISOString())
    .execute();
  for (const row of rows) {
    let whole = true;
    for (const key of [row.data_key, row.manifest_key]) {
      for (const v of await run.deps.store.listVersions(key).catch(() => [])) {
        if (!(await expireVersion(run, v))) whole = false;
      }
    }
    if (whole && !run.dryRun) await db.deleteFrom("datasets").where("id", "=", row.id).execute();
  }
}
