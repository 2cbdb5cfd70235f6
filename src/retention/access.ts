/**
 * Access (the data subject's right to see what is held about them): everything Bulwark
 * keeps that is linked to a subject's keyed hash, as one JSON document: detection events,
 * shadow model comparisons,
 * feedback reports (with their texts as kept, redacted), the rows derived from them in the
 * latest version of stored learning data and datasets, and which datasets hold such rows.
 * Older versions are left out: they are what erasure removes, not what is in use.
 */
import { shadowRowsOfSubject } from "../analytics/shadow/queries.js";
import { readJsonl, versionsByKey } from "./objects.js";
import { DERIVED_PREFIXES, isRowsKey, isSubjectRow } from "./derived.js";
import type { PrivacyDeps, SubjectExport } from "./types.js";

export async function exportSubject(deps: PrivacyDeps, subject: string): Promise<SubjectExport> {
  const db = deps.db.db;
  const events = await db
    .selectFrom("detection_events")
    .selectAll()
    .where("subject", "=", subject)
    .orderBy("at")
    .execute();
  const feedback = await db
    .selectFrom("feedback")
    .selectAll()
    .where("subject", "=", subject)
    .orderBy("id")
    .execute();
  const match = { subject, feedbackIds: new Set(feedback.map((f) => f.id)) };
  const derived: SubjectExport["derived"] = [];
  const datasets: SubjectExport["datasets"] = [];
  for (const prefix of DERIVED_PREFIXES) {
    for (const [key, versions] of await versionsByKey(deps.store, prefix)) {
      const latest = versions.find((v) => v.isLatest);
      if (!latest || !isRowsKey(key)) continue;
      const mine = (await readJsonl(deps.store, key, latest.versionId)).filter((l) =>
        isSubjectRow(l.row, match),
      );
      if (mine.length === 0) continue;
      for (const l of mine) derived.push({ key, versionId: latest.versionId, row: l.row! });
      const ds = await db
        .selectFrom("datasets")
        .select(["id", "name", "version"])
        .where("data_key", "=", key)
        .executeTakeFirst();
      if (ds) datasets.push({ id: ds.id, name: ds.name, version: Number(ds.version), rows: mine.length });
    }
  }
  return {
    subject,
    at: new Date().toISOString(),
    events: events.map((e) => ({
      ...e,
      flagged: Number(e.flagged),
      score: Number(e.score),
      latency_ms: Number(e.latency_ms),
      text_length: Number(e.text_length),
    })),
    feedback: feedback.map((f) => ({ ...f, label: Number(f.label), text_length: Number(f.text_length) })),
    shadow: (await shadowRowsOfSubject(db, subject)).map((r) => ({
      ...r,
      text_length: Number(r.text_length),
      production_flagged: Number(r.production_flagged),
      production_score: Number(r.production_score),
      shadow_flagged: Number(r.shadow_flagged),
      shadow_score: Number(r.shadow_score),
      shadow_latency_ms: Number(r.shadow_latency_ms),
    })),
    derived,
    datasets,
  };
}
