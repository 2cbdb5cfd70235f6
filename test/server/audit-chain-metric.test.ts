/**
 * bulwark_audit_chain_verified, the gauge behind the BulwarkAuditChainBroken alert
 * (deploy/prometheus/rules/audit.yml): 1 on an intact trail, 0 once an entry was edited in
 * the database behind the service's back; verifications run at most once per period and a
 * failed one keeps the last result.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { Registry } from "prom-client";
import type { AuditVerifyReport } from "../../src/audit/chain.js";
import { auditChainGauges } from "../../src/server/metrics/audit-chain.js";
import { startTestServer } from "./helpers.js";

const gauge = (text: string, name: string): number | undefined => {
  const m = new RegExp(`^${name} ([0-9.e+-]+|NaN)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
};

test("the served gauge reads 1 on an intact trail and 0 after an entry is edited", async () => {
  // A period of about a millisecond: every scrape verifies again.
  const server = await startTestServer({ settings: (s) => (s.audit.verifyMinutes = 1 / 60_000) });
  await server.call("/v1/auth/login", { method: "POST", json: { username: "nobody", password: "wrong" } });
  const rows = await sql<{ n: number }>`select count(*) as n from audit_log`.execute(server.db.db);
  assert.ok(Number(rows.rows[0]!.n) >= 1, "the server wrote audit entries");

  const before = await server.call("/metrics");
  assert.equal(before.status, 200);
  assert.equal(gauge(before.text, "bulwark_audit_chain_verified"), 1);
  assert.equal(gauge(before.text, "bulwark_audit_chain_problems"), 0);
  const at = gauge(before.text, "bulwark_audit_chain_verified_timestamp_seconds")!;
  assert.ok(Math.abs(at - Date.now() / 1000) < 60, `timestamp ${at}`);

  await sql`update audit_log set actor = 'user:mallory' where seq = 1`.execute(server.db.db);
  await new Promise((r) => setTimeout(r, 5));
  const after = await server.call("/metrics");
  assert.equal(gauge(after.text, "bulwark_audit_chain_verified"), 0);
  assert.ok(gauge(after.text, "bulwark_audit_chain_problems")! >= 1);
});

test("verifies at most once per period; a failed verification keeps the last result", async () => {
  let clock = 1_000_000;
  let calls = 0;
  let outcome: AuditVerifyReport | Error = report(true);
  const registry = new Registry();
  auditChainGauges(registry, {
    refreshMs: 600_000,
    now: () => clock,
    verify: async () => {
      calls++;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  });
  let text = await registry.metrics();
  assert.equal(calls, 1, "the three gauges of one scrape share one verification");
  assert.equal(gauge(text, "bulwark_audit_chain_verified"), 1);
  assert.equal(gauge(text, "bulwark_audit_chain_verified_timestamp_seconds"), 1000);

  outcome = report(false);
  clock += 599_000;
  text = await registry.metrics();
  assert.equal(calls, 1, "within the period the last result is read");
  assert.equal(gauge(text, "bulwark_audit_chain_verified"), 1);

  clock += 1_000;
  text = await registry.metrics();
  assert.equal(calls, 2);
  assert.equal(gauge(text, "bulwark_audit_chain_verified"), 0);
  assert.equal(gauge(text, "bulwark_audit_chain_problems"), 1);

  outcome = new Error("database unreachable");
  clock += 600_000;
  text = await registry.metrics();
  assert.equal(calls, 3);
  assert.equal(gauge(text, "bulwark_audit_chain_verified"), 0, "the failure says nothing of the chain");
  assert.equal(gauge(text, "bulwark_audit_chain_verified_timestamp_seconds"), 1600, "and the timestamp ages");
});

test("BULWARK_AUDIT_VERIFY_MINUTES=0 leaves the gauges out", async () => {
  const registry = new Registry();
  auditChainGauges(registry, { refreshMs: 0, verify: () => Promise.resolve(report(true)) });
  assert.doesNotMatch(await registry.metrics(), /bulwark_audit_chain/);
});

function report(ok: boolean): AuditVerifyReport {
  return {
    ok,
    entries: 3,
    head: { seq: 3, hash: "a".repeat(64) },
    anchorsChecked: 0,
    sealedHead: null,
    problems: ok ? [] : [{ seq: 2, kind: "edited", message: "entry 2 was changed after it was written" }],
  };
}
