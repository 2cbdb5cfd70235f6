/**
 * Drift as the service reports it: the report of /v1/analytics/drift for the served model
 * (config.detector.model, else the default name), and the `bulwark_drift_psi{feature}`
 * gauges, read from a DriftMonitor that recomputes at most once per
 * BULWARK_DRIFT_REFRESH_MINUTES, so a scrape costs a cached read and never fails.
 */
import { Gauge, type Registry } from "prom-client";
import type { Range } from "../../analytics/aggregates.js";
import { DriftMonitor, driftReport, type DriftReport } from "../../analytics/drift/index.js";
import type { App } from "../../app/app.js";
import { DEFAULT_MODEL_NAME } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";

/** The drift of the served model's traffic in `range`. */
export async function reportDrift(app: App, range: Range, actor: string): Promise<DriftReport> {
  const ws = await app.workspace(actor);
  try {
    return await driftReport(
      {
        db: app.db,
        registry: ws.registry,
        catalog: ws.catalog,
        modelName: app.config.detector.model ?? DEFAULT_MODEL_NAME,
      },
      range,
    );
  } finally {
    await ws.close();
  }
}

/** The monitor behind the gauges, and the gauges themselves in `registry`. */
export function driftGauges(app: App, registry: Registry, logger: Logger): DriftMonitor {
  const monitor = new DriftMonitor({
    report: (range) => reportDrift(app, range, "system:drift"),
    refreshMs: app.settings.drift.refreshMinutes * 60_000,
    onError: (err) => logger.warn({ err }, "could not compute drift for the metrics"),
  });
  new Gauge({
    name: "bulwark_drift_psi",
    help:
      "Population stability index of the production model's traffic over the last 24 hours against its " +
      "validation data, by feature (score, length, language, obfuscation, flagged); absent without a reference " +
      "or with fewer than 100 texts. Above 0.1 a moderate shift, above 0.25 a major one",
    labelNames: ["feature"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [feature, value] of Object.entries(await monitor.psi())) this.set({ feature }, value);
    },
  });
  return monitor;
}
