/** `bulwark analytics drift`: the report of /v1/analytics/drift, on the configured database and registry. */
import { resolveRange } from "../../analytics/aggregates.js";
import { driftReport, type DriftReport } from "../../analytics/drift/index.js";
import { withWorkspace } from "../../app/workspace.js";
import { DEFAULT_MODEL_NAME, loadConfig } from "../../core/config.js";
import { printJson, printLine } from "../output.js";

export async function analyticsDrift(opts: { from?: string; to?: string; json?: boolean }): Promise<void> {
  const range = resolveRange(opts);
  const config = loadConfig();
  const report = await withWorkspace(config, (ws) =>
    driftReport(
      {
        db: ws.db,
        registry: ws.registry,
        catalog: ws.catalog,
        modelName: config.detector.model ?? DEFAULT_MODEL_NAME,
      },
      range,
    ),
  );
  if (opts.json) return printJson(report);
  for (const line of describeDrift(report)) printLine(line);
}

function describeDrift(r: DriftReport): string[] {
  const lines = [`${r.from} to ${r.to}`];
  if (!r.model) return [...lines, r.reference.available ? "no production model" : r.reference.reason];
  lines.push(
    `model ${r.model}: ${r.live.rows} events${r.live.sampled ? ` (the most recent ${r.live.maxRows} read)` : ""}, ${r.live.withLanguage} with a language`,
  );
  if (!r.reference.available) return [...lines, `no reference: ${r.reference.reason}`];
  lines.push(`reference: ${r.reference.rows} validation texts (${r.reference.source})`);
  for (const f of r.features)
    lines.push(`${f.feature.padEnd(12)} ${f.psi === null ? "-" : f.psi.toFixed(3).padStart(6)}  ${f.level}`);
  if (r.maxPsi === null) lines.push("too few events to compare: at least 100 are needed");
  return lines;
}
