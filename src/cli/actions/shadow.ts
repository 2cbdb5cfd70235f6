/**
 * `bulwark shadow set|clear|status` and `bulwark analytics shadow`: the work of /v1/shadow
 * and /v1/analytics/shadow on the configured database. A setting stored here is the one a
 * PUT stores: every running server picks it up at its next poll (BULWARK_MODEL_POLL_INTERVAL).
 */
import { openApp, type App } from "../../app/app.js";
import { resolveRange } from "../../analytics/aggregates.js";
import {
  clearShadow,
  effectiveShadow,
  parseShadowRef,
  readStoredShadow,
  setShadow,
  shadowReport,
  type ShadowReport,
  type ShadowSetting,
} from "../../analytics/shadow/index.js";
import { defaultActor } from "../../core/actor.js";
import { printJson, printLine } from "../output.js";

async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp();
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

function describeSetting(s: ShadowSetting | undefined): string {
  if (!s) return "no shadow model: set one with `bulwark shadow set NAME@VERSION --sample 0.1`";
  const from = s.source === "api" ? `stored by ${s.updatedBy} at ${s.updatedAt}` : "from BULWARK_SHADOW";
  return `shadow ${s.model}@${s.version}, sample ${s.sample} (${from})`;
}

export async function shadowSet(ref: string, opts: { sample: number; json?: boolean }): Promise<void> {
  const { model, version } = parseShadowRef(ref);
  const setting = await withApp(async (app) => {
    const { registry } = await app.workspace(defaultActor());
    return setShadow(
      { db: app.db, registry, audit: app.audit },
      { model, version, sample: opts.sample },
      defaultActor(),
    );
  });
  if (opts.json) return printJson(setting);
  printLine(describeSetting(setting));
  printLine("running servers follow it at their next poll (BULWARK_MODEL_POLL_INTERVAL)");
}

export async function shadowClear(opts: { json?: boolean }): Promise<void> {
  const after = await withApp(async (app) => {
    await clearShadow({ db: app.db, audit: app.audit }, defaultActor());
    return effectiveShadow(undefined, app.settings.shadow.fromEnv);
  });
  if (opts.json) return printJson({ setting: after ?? null });
  printLine(
    after ? `cleared; BULWARK_SHADOW applies: ${describeSetting(after)}` : "cleared: no shadow model",
  );
}

export async function shadowStatus(opts: { json?: boolean }): Promise<void> {
  const setting = await withApp(async (app) =>
    effectiveShadow(await readStoredShadow(app.db), app.settings.shadow.fromEnv),
  );
  if (opts.json) return printJson({ setting: setting ?? null });
  printLine(describeSetting(setting));
}

export async function analyticsShadow(opts: { from?: string; to?: string; json?: boolean }): Promise<void> {
  const range = resolveRange(opts);
  const report = await withApp((app) => shadowReport(app.db, range));
  if (opts.json) return printJson(report);
  for (const line of describeReport(report)) printLine(line);
}

function describeReport(r: ShadowReport): string[] {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const counts = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "-";
  if (r.compared === 0) return [`no shadow comparisons from ${r.from} to ${r.to}`];
  const lines = [
    `${r.from} to ${r.to}`,
    `compared ${r.compared}, agreed ${r.agreed} (${pct(r.agreementRate)})`,
    `production ${counts(r.models.production)}: flagged ${r.production.flagged} (${pct(r.production.flaggedRate)})`,
    `shadow     ${counts(r.models.shadow)}: flagged ${r.shadow.flagged} (${pct(r.shadow.flaggedRate)})`,
    `shadow flags, production passes: ${r.disagreements.shadowFlags} (${counts(r.byCategory.shadowFlags)})`,
    `production flags, shadow passes: ${r.disagreements.productionFlags} (${counts(r.byCategory.productionFlags)})`,
    `shadow scoring p50 ${r.shadowLatency.p50?.toFixed(3) ?? "-"} ms, p95 ${r.shadowLatency.p95?.toFixed(3) ?? "-"} ms`,
    `users' reports: ${r.reports.reported}; production right ${r.reports.productionRight}, shadow right ${r.reports.shadowRight}`,
  ];
  for (const d of ["shadowFlags", "productionFlags"] as const)
    for (const e of r.examples[d])
      lines.push(
        `  ${d === "shadowFlags" ? "shadow+" : "prod+  "} ${e.at.slice(0, 19)} ${e.productionScore.toFixed(3)}/${e.shadowScore.toFixed(3)} ${JSON.stringify((e.text ?? "").slice(0, 120))}`,
      );
  return lines;
}
