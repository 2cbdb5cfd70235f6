/**
 * Grafana's provisioning in deploy/grafana: the data source points at compose's Prometheus
 * service under the uid the dashboard uses, the dashboard provider reads the folder compose
 * mounts, and the dashboard JSON holds the panels operators look for (requests, latency
 * percentiles, flagged rate by category, jobs, the model in service).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readText, readYaml } from "./files.js";

interface Panel {
  title: string;
  type: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}
interface Compose {
  services: Record<string, { volumes?: string[] }>;
}

const dashboard = JSON.parse(readText("deploy/grafana/dashboards/bulwark.json")) as {
  uid: string;
  title: string;
  panels: Panel[];
};
const exprs = (p: Panel) => (p.targets ?? []).map((t) => t.expr).join("\n");

test("the data source is compose's Prometheus, under the uid the dashboard uses", () => {
  const ds = readYaml<{ apiVersion: number; datasources: { uid: string; type: string; url: string }[] }>(
    "deploy/grafana/provisioning/datasources/prometheus.yaml",
  );
  assert.equal(ds.apiVersion, 1);
  const compose = readYaml<Compose>("deploy/compose.yaml");
  const [prom] = ds.datasources;
  assert.equal(prom?.type, "prometheus");
  assert.equal(new URL(prom.url).hostname, "prometheus");
  assert.ok("prometheus" in compose.services);
  for (const panel of dashboard.panels) {
    assert.equal(panel.datasource?.uid, prom.uid, panel.title);
    for (const t of panel.targets ?? []) assert.equal(t.datasource?.uid ?? prom.uid, prom.uid, panel.title);
  }
});

test("the dashboard provider reads the folder compose mounts the dashboards into", () => {
  const provider = readYaml<{ providers: { type: string; options: { path: string } }[] }>(
    "deploy/grafana/provisioning/dashboards/bulwark.yaml",
  );
  const compose = readYaml<Compose>("deploy/compose.yaml");
  const mounts = (compose.services.grafana?.volumes ?? []).map((v) => v.split(":"));
  const dashboards = mounts.find(([src]) => src === "./grafana/dashboards");
  assert.ok(dashboards, "compose mounts deploy/grafana/dashboards");
  assert.equal(provider.providers[0]?.type, "file");
  assert.equal(provider.providers[0]?.options.path, dashboards[1]);
  for (const kind of ["datasources", "dashboards"])
    assert.ok(
      mounts.some(
        ([src, dst]) =>
          src === `./grafana/provisioning/${kind}` && dst === `/etc/grafana/provisioning/${kind}`,
      ),
      kind,
    );
});

test("the dashboard has the panels operators look for", () => {
  assert.equal(dashboard.uid, "bulwark");
  const ids = dashboard.panels.map((p) => (p as unknown as { id: number }).id);
  assert.equal(new Set(ids).size, ids.length, "panel ids are unique");
  const find = (pattern: RegExp) => dashboard.panels.find((p) => pattern.test(exprs(p)));
  assert.ok(find(/rate\(bulwark_http_requests_total\[/), "requests");
  const latency = find(/bulwark_http_request_duration_seconds_bucket/);
  assert.ok(latency, "latency");
  for (const q of ["0.5", "0.95", "0.99"])
    assert.match(exprs(latency), new RegExp(`histogram_quantile\\(${q.replace(".", "\\.")},`));
  assert.ok(
    find(/sum by \(category\) \(rate\(bulwark_detections_total\{verdict="flagged"\}/),
    "flagged by category",
  );
  assert.ok(find(/bulwark_jobs/), "jobs");
  assert.ok(find(/bulwark_model_info/), "model version");
});
