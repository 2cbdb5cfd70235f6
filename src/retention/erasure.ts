/**
 * Erasure of one data subject (the right to be forgotten), given its keyed hash:
 * 1. its detection events, shadow model comparisons and feedback reports are deleted;
 * 2. every stored JSONL version under the derived prefixes (derived.ts) that holds its rows
 *    is dealt with: the latest is rewritten without them (a new version), then each version
 *    that held them is deleted by version id, unless Object Lock keeps it, which is
 *    reported plainly (key, version, mode, retain-until, why);
 * 3. a rewritten dataset gets its catalogue row (and manifest) updated to the new SHA-256,
 *    so it still reads; every model version whose lineage names a dataset or learning data
 *    that held the rows is marked `retrain_required`: the model still holds what it learned;
 * 4. the receipt (subject hash, counts, protected versions, affected datasets and models,
 *    when, by whom) is appended to the audit trail as `privacy.erasure`. The trail itself is
 *    never edited, so its chain still verifies.
 */
import { countEvents, deleteEventsOfSubject } from "../analytics/events/index.js";
import { countShadowOfSubject, deleteShadowOfSubject } from "../analytics/shadow/queries.js";
import { newId } from "../db/ids.js";
import { SHA256_META } from "../storage/rules.js";
import type { VersionEntry } from "../storage/types.js";
import { fromJson } from "../db/schema.js";
import type { DatasetLineage } from "../data/dataset-record.js";
import { deleteVersion, readJsonl, versionsByKey, type ProtectedVersion } from "./objects.js";
import { DERIVED_PREFIXES, isRowsKey, isSubjectRow, type SubjectMatch } from "./derived.js";
import type { ErasureReceipt, PrivacyDeps } from "./types.js";

const CHUNK = 500;

export async function eraseSubject(
  deps: PrivacyDeps,
  subject: string,
  actor: string,
): Promise<ErasureReceipt> {
  const db = deps.db.db;
  const receipt: ErasureReceipt = {
    id: newId("er"),
    subject,
    at: new Date().toISOString(),
    by: actor,
    events: { found: 0, removed: 0 },
    feedback: { found: 0, removed: 0 },
    shadow: { found: 0, removed: 0 },
    derived: { rows: 0, objects: [], versions: { found: 0, removed: 0, rewritten: 0, protected: 0 } },
    protected: [],
    datasets: [],
    learningData: [],
    models: [],
    complete: true,
  };

  // ---- rows in the database
  receipt.events.found = await countEvents(db, { subject });
  receipt.shadow.found = await countShadowOfSubject(db, subject);
  const feedbackIds = (
    await db.selectFrom("feedback").select("id").where("subject", "=", subject).execute()
  ).map((r) => r.id);
  receipt.feedback.found = feedbackIds.length;
  const match: SubjectMatch = { subject, feedbackIds: new Set(feedbackIds) };

  // ---- rows derived from them in stored objects (before the reports go: they link the rows)
  const touched = new Map<string, { sha256: string; size: number; rows: number; removed: number } | null>();
  for (const prefix of DERIVED_PREFIXES) {
    for (const [key, versions] of await versionsByKey(deps.store, prefix)) {
      if (!isRowsKey(key)) continue;
      await eraseFromObject(deps, key, versions, match, receipt, touched);
    }
  }

  receipt.events.removed = await deleteEventsOfSubject(db, subject);
  receipt.shadow.removed = await deleteShadowOfSubject(db, subject);
  for (let i = 0; i < feedbackIds.length; i += CHUNK) {
    const r = await db
      .deleteFrom("feedback")
      .where("id", "in", feedbackIds.slice(i, i + CHUNK))
      .executeTakeFirst();
    receipt.feedback.removed += Number(r.numDeletedRows);
  }

  // ---- what was made from the touched objects
  const datasetIds = new Set<string>();
  for (const [key, written] of touched) {
    if (key.startsWith("combined-data/")) receipt.learningData.push(key);
    const ds = await db
      .selectFrom("datasets")
      .select(["id", "name", "version", "manifest_key", "rows"])
      .where("data_key", "=", key)
      .executeTakeFirst();
    if (ds) {
      datasetIds.add(ds.id);
      receipt.datasets.push({ id: ds.id, name: ds.name, version: Number(ds.version) });
    }
    if (written) await recordRewrite(deps, key, written, ds ?? undefined, match.feedbackIds);
  }
  receipt.models = await markModels(deps, receipt, datasetIds);
  receipt.complete = receipt.protected.length === 0;
  await deps.audit.record({
    actor,
    action: "privacy.erasure",
    target: `subject:${subject}`,
    outcome: "success",
    details: { ...receipt },
  });
  await deps.audit.flush();
  return receipt;
}

/**
 * One object's versions: the latest rewritten without the subject's rows, then every version
 * that held them deleted, or reported when locked.
 */
async function eraseFromObject(
  deps: PrivacyDeps,
  key: string,
  versions: VersionEntry[],
  match: SubjectMatch,
  receipt: ErasureReceipt,
  touched: Map<string, { sha256: string; size: number; rows: number; removed: number } | null>,
): Promise<void> {
  const holding: typeof versions = [];
  for (const v of versions) {
    const lines = await readJsonl(deps.store, key, v.versionId);
    const mine = lines.filter((l) => isSubjectRow(l.row, match)).length;
    if (mine === 0) continue;
    receipt.derived.rows += mine;
    holding.push(v);
    if (v.isLatest) {
      const kept = lines.filter((l) => !isSubjectRow(l.row, match)).map((l) => l.line);
      const body = kept.length ? `${kept.join("\n")}\n` : "";
      const info = await deps.store.head(key, { versionId: v.versionId });
      const { [SHA256_META]: _old, ...metadata } = info.metadata;
      const put = await deps.store.put(key, body, { contentType: info.contentType, metadata });
      receipt.derived.versions.rewritten++;
      touched.set(key, { sha256: put.sha256, size: put.size, rows: kept.length, removed: mine });
    }
  }
  if (holding.length === 0) return;
  if (!touched.has(key)) touched.set(key, null);
  receipt.derived.objects.push(key);
  receipt.derived.versions.found += holding.length;
  for (const v of holding) {
    const outcome = await deleteVersion(deps.store, { ...v, isDeleteMarker: false });
    if (outcome.deleted) receipt.derived.versions.removed++;
    else {
      receipt.derived.versions.protected++;
      receipt.protected.push(outcome.protected);
    }
  }
}

/**
 * A rewritten object's records follow it: a dataset's catalogue row and manifest, or a
 * learning cycle's manifest, name the new SHA-256 and row count, so what reads them with a
 * check still can. Models trained on the old bytes keep naming them: they are marked.
 */
async function recordRewrite(
  deps: PrivacyDeps,
  key: string,
  written: { sha256: string; size: number; rows: number },
  ds: { id: string; manifest_key: string } | undefined,
  erased: ReadonlySet<string>,
): Promise<void> {
  if (ds)
    await deps.db.db
      .updateTable("datasets")
      .set({ sha256: written.sha256, size_bytes: written.size, rows: written.rows })
      .where("id", "=", ds.id)
      .execute();
  const manifestKey = ds?.manifest_key ?? key.replace(/\.jsonl$/, ".manifest.json");
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse((await deps.store.getBuffer(manifestKey)).toString("utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    return;
  }
  if ("sha256" in manifest) manifest.sha256 = written.sha256;
  if ("size" in manifest) manifest.size = written.size;
  if ("rows" in manifest) manifest.rows = written.rows;
  // A cycle's manifest names the reports it learned from: the erased ones leave it.
  if (Array.isArray(manifest.extraIds))
    manifest.extraIds = manifest.extraIds.filter((id) => !erased.has(String(id)));
  await deps.store.put(manifestKey, JSON.stringify(manifest, null, 2), { contentType: "application/json" });
}

/** Marks every model version whose lineage names a touched dataset or learning data. */
async function markModels(deps: PrivacyDeps, receipt: ErasureReceipt, datasetIds: ReadonlySet<string>) {
  const db = deps.db.db;
  const keys = new Set(receipt.derived.objects);
  const rows = await db.selectFrom("model_versions").select(["id", "name", "version", "datasets"]).execute();
  const marked: string[] = [];
  for (const row of rows) {
    const lineage = fromJson<DatasetLineage[]>(row.datasets, []);
    const hit = lineage.find(
      (d) => (d.id !== null && datasetIds.has(d.id)) || (d.id === null && keys.has(d.name)),
    );
    if (!hit) continue;
    const reason = `erasure ${receipt.id} (${receipt.at}): its training data ${hit.id === null ? hit.name : `${hit.name}@${hit.version}`} held rows of an erased data subject`;
    await db
      .updateTable("model_versions")
      .set({ retrain_required: 1, retrain_reason: reason })
      .where("id", "=", row.id)
      .execute();
    marked.push(`${row.name}@${row.version}`);
  }
  return marked;
}

export type { ProtectedVersion };
