/**
 * The alert rules and the Grafana dashboard read only metrics Bulwark really exports: the
 * names are taken from a running server's /metrics (the TYPE lines, histograms expanded to
 * their _bucket, _sum and _count series), not from a list kept by hand, so renaming a
 * metric in src/server/metrics/ without its alert or panel fails here.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../server/helpers.js";
import { filesIn, metricsIn, readText, readYaml } from "./files.js";

interface Panel {
  title: string;
  type: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
  panels?: Panel[];
}

const SUFFIXES: Record<string, string[]> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["_sum", "_count"],
};

describe("metric names in deploy/ against a running server's /metrics", () => {
  const exported = new Set<string>(["up"]);
  before(async () => {
    const server = await startTestServer();
    const r = await server.call("/metrics");
    assert.equal(r.status, 200);
    for (const m of r.text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const [, name, type] = m as unknown as [string, string, string];
      for (const suffix of SUFFIXES[type] ?? [""]) exported.add(name + suffix);
    }
    // The gauges these files depend on most are among them (a broken scrape would pass
    // every check below vacuously).
    for (const name of [
      "bulwark_jobs",
      "bulwark_model_info",
      "bulwark_drift_psi",
      "bulwark_audit_chain_verified",
    ])
      assert.ok(exported.has(name), `${name} in /metrics`);
  });

  for (const file of filesIn("deploy/prometheus/rules", ".yml", ".yaml")) {
    test(`${file} reads exported metrics only`, () => {
      const doc = readYaml<{ groups: { rules: { alert: string; expr: string }[] }[] }>(file);
      for (const rule of doc.groups.flatMap((g) => g.rules)) {
        const used = metricsIn(rule.expr);
        assert.ok(used.length > 0, `${rule.alert} reads no metric`);
        for (const name of used) assert.ok(exported.has(name), `${rule.alert}: ${name} is not exported`);
      }
    });
  }

  test("every panel of the Grafana dashboard queries exported metrics", () => {
    const dashboard = JSON.parse(readText("deploy/grafana/dashboards/bulwark.json")) as { panels: Panel[] };
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== "row");
    assert.ok(panels.length >= 5);
    for (const panel of panels) {
      assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has no query`);
      for (const target of panel.targets) {
        const used = metricsIn(target.expr);
        assert.ok(used.length > 0, `${panel.title}: ${target.expr}`);
        for (const name of used) assert.ok(exported.has(name), `${panel.title}: ${name} is not exported`);
      }
    }
  });
});
