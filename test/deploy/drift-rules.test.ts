/**
 * The drift alert rules users load into Prometheus: checked by promtool (Debian's
 * `prometheus` package; skipped without it, except under BULWARK_REQUIRE_SERVICES=1 where
 * it fails), and read for the thresholds the README promises either way (a warning above
 * 0.2, critical above 0.25, both for 30 minutes).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PROMTOOL_INSTALL, runTool } from "./files.js";

const RULES = fileURLToPath(new URL("../../../deploy/prometheus/rules/drift.yml", import.meta.url));

test("promtool accepts the drift rules", (t) => {
  const r = runTool(t, "promtool", ["check", "rules", RULES], PROMTOOL_INSTALL);
  if (!r) return;
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /SUCCESS: 2 rules found/);
});

test("warning above 0.2 and critical above 0.25 on bulwark_drift_psi, each for 30 minutes", () => {
  const text = readFileSync(RULES, "utf8");
  const rules = text.split(/\n\s+- alert: /).slice(1);
  assert.equal(rules.length, 2);
  const byName = new Map(rules.map((r) => [r.split("\n")[0]!.trim(), r]));
  const critical = byName.get("BulwarkDriftCritical")!;
  const warning = byName.get("BulwarkDriftWarning")!;
  assert.match(critical, /expr: max by \(instance, feature\) \(bulwark_drift_psi\) > 0\.25\n/);
  assert.match(critical, /for: 30m/);
  assert.match(critical, /severity: critical/);
  assert.match(warning, /bulwark_drift_psi\) > 0\.2 and/);
  assert.match(warning, /for: 30m/);
  assert.match(warning, /severity: warning/);
});
