/**
 * The Prometheus side of deploy/: promtool accepts the scrape configuration and every alert
 * rule file, the rules' unit tests (deploy/prometheus/tests/) prove each alert fires on the
 * series it watches and stays quiet on healthy ones, and the scrape targets are the API
 * replicas of deploy/compose.yaml. promtool comes from Debian's `prometheus` package; CI
 * installs it (.ci/run) and these tests fail there without it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PROMTOOL_INSTALL, filesIn, readYaml, runTool } from "./files.js";

interface Compose {
  services: Record<string, { command?: string[]; ports?: string[] }>;
}
interface PromConfig {
  rule_files: string[];
  scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
}
interface RuleFile {
  groups: { name: string; rules: { alert?: string; expr: string; labels?: Record<string, string> }[] }[];
}

const RULE_FILES = filesIn("deploy/prometheus/rules", ".yml", ".yaml");

test("promtool accepts prometheus.yml, and it loads every rule file", (t) => {
  const r = runTool(t, "promtool", ["check", "config", "deploy/prometheus/prometheus.yml"], PROMTOOL_INSTALL);
  if (!r) return;
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /is valid prometheus config file syntax/);
  // `rule_files: [rules/*.yml]` is resolved beside the config, as in the container.
  assert.match(r.stdout, new RegExp(`SUCCESS: ${RULE_FILES.length} rule files found`));
});

for (const file of RULE_FILES) {
  test(`promtool accepts ${file}`, (t) => {
    const r = runTool(t, "promtool", ["check", "rules", file], PROMTOOL_INSTALL);
    if (!r) return;
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    const rules = readYaml<RuleFile>(file).groups.flatMap((g) => g.rules);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });
}

test("promtool's unit tests of the alerts pass (each alert fires when it should, and only then)", (t) => {
  const tests = filesIn("deploy/prometheus/tests", ".yml", ".yaml");
  assert.ok(tests.length >= 1);
  const r = runTool(t, "promtool", ["test", "rules", ...tests], PROMTOOL_INSTALL);
  if (!r) return;
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout + r.stderr, /SUCCESS/);
});

test("every alert is unit-tested firing, and every rule file is under test", () => {
  const alerts = RULE_FILES.flatMap((f) =>
    readYaml<RuleFile>(f).groups.flatMap((g) => g.rules.map((rule) => rule.alert!)),
  );
  const fired = new Set<string>();
  const loaded = new Set<string>();
  for (const file of filesIn("deploy/prometheus/tests", ".yml", ".yaml")) {
    const doc = readYaml<{
      rule_files: string[];
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    }>(file);
    for (const f of doc.rule_files) loaded.add(f.replace(/^\.\.\//, "deploy/prometheus/"));
    for (const c of doc.tests)
      for (const a of c.alert_rule_test ?? []) if (a.exp_alerts.length > 0) fired.add(a.alertname);
  }
  assert.deepEqual([...loaded].sort(), RULE_FILES);
  assert.deepEqual(
    alerts.filter((a) => !fired.has(a)),
    [],
    "alerts no test shows firing",
  );
});

test("the alerts cover errors, latency, drift, the job queue and the audit chain, each with a severity", () => {
  const byFile = new Map(
    RULE_FILES.map((f) => [f, readYaml<RuleFile>(f).groups.flatMap((g) => g.rules)] as const),
  );
  for (const name of ["errors", "latency", "drift", "jobs", "audit"])
    assert.ok(byFile.has(`deploy/prometheus/rules/${name}.yml`), `rules/${name}.yml`);
  for (const [file, rules] of byFile)
    for (const rule of rules)
      assert.match(rule.labels?.severity ?? "", /^(warning|critical)$/, `${file} ${rule.alert}`);
  const exprs = [...byFile.values()].flat().map((r) => r.expr);
  assert.ok(
    exprs.some((e) => e.includes('bulwark_jobs{state="queued"}')),
    "queue depth",
  );
  assert.ok(
    exprs.some((e) => e.includes("bulwark_audit_chain_verified")),
    "audit chain",
  );
  assert.ok(
    exprs.some((e) => e.includes('status=~"5.."')),
    "error rate",
  );
  assert.ok(
    exprs.some((e) => e.includes("histogram_quantile(0.99")),
    "latency",
  );
});

test("Prometheus scrapes exactly the API replicas of compose.yaml, on their port, at /metrics", () => {
  const config = readYaml<PromConfig>("deploy/prometheus/prometheus.yml");
  const compose = readYaml<Compose>("deploy/compose.yaml");
  const replicas = Object.entries(compose.services)
    .filter(([, s]) => s.command?.[0] === "serve")
    .map(([name, s]) => {
      const port = s.command![s.command!.indexOf("--port") + 1];
      return `${name}:${port}`;
    })
    .sort();
  assert.deepEqual(replicas, ["api-1:8000", "api-2:8000"]);
  const job = config.scrape_configs.find((c) => c.job_name === "bulwark-api");
  assert.ok(job, "a bulwark-api job (the alert on `up` names it)");
  assert.equal(job.metrics_path ?? "/metrics", "/metrics");
  assert.deepEqual(job.static_configs.flatMap((s) => s.targets).sort(), replicas);
  // Every target of every job is a compose service (or Prometheus itself).
  for (const c of config.scrape_configs)
    for (const target of c.static_configs.flatMap((s) => s.targets)) {
      const host = target.split(":")[0]!;
      assert.ok(host === "localhost" || host in compose.services, `${c.job_name}: ${target}`);
    }
  // The worker serves no HTTP, so it is no target: the queue is read from the database.
  assert.equal(compose.services.worker?.command?.[0], "worker");
  assert.ok(
    !config.scrape_configs.some((c) =>
      c.static_configs.some((s) => s.targets.some((x) => x.startsWith("worker"))),
    ),
  );
});
