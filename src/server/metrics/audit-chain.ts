/**
 * The audit chain's health as a gauge, so an alert fires when the trail was tampered with
 * instead of waiting for someone to run `bulwark audit verify`. A verification walks the
 * whole chain and reads the locked seals, which costs time in proportion to the trail: it
 * runs at most once per BULWARK_AUDIT_VERIFY_MINUTES, started by a scrape (never by a
 * detection request), and a scrape waits for it a few seconds at most and otherwise reports
 * the previous result, the same way the drift gauges refresh (analytics/drift/monitor.ts).
 */
import { Gauge, type Registry } from "prom-client";
import type { AuditVerifyReport } from "../../audit/chain.js";

export interface AuditChainGaugeOptions {
  /** A whole-chain verification (HashChainAuditLog.verify with the object store). */
  verify: () => Promise<AuditVerifyReport>;
  /** Least time between two verifications; 0 turns the gauges off. */
  refreshMs: number;
  onError?: (err: unknown) => void;
  /** Longest a scrape waits for a verification it started (default 5 s). */
  waitMs?: number;
  now?: () => number;
}

interface Outcome {
  ok: boolean;
  problems: number;
  /** When the verification finished, in seconds since the epoch. */
  at: number;
}

/** bulwark_audit_chain_verified, _problems and _verified_timestamp_seconds in `registry`. */
export function auditChainGauges(registry: Registry, o: AuditChainGaugeOptions): void {
  if (o.refreshMs <= 0) return;
  const now = o.now ?? Date.now;
  let last: Outcome | undefined;
  let startedAt = -Infinity;
  let running: Promise<void> | undefined;

  const refresh = async () => {
    try {
      const report = await o.verify();
      last = { ok: report.ok, problems: report.problems.length, at: now() / 1000 };
    } catch (err) {
      // A verification that could not run (database or store down) says nothing about the
      // chain: the last result stays, and its timestamp shows how old it is.
      o.onError?.(err);
    }
  };
  const current = async (): Promise<Outcome | undefined> => {
    const t = now();
    if (running === undefined && t - startedAt >= o.refreshMs) {
      startedAt = t;
      running = refresh().finally(() => (running = undefined));
    }
    // prom-client collects the three gauges concurrently: each waits for the same run.
    if (running) await Promise.race([running, delay(o.waitMs ?? 5_000)]);
    return last;
  };

  new Gauge({
    name: "bulwark_audit_chain_verified",
    help:
      "1 when the last whole-chain verification of the audit trail found every entry intact and linked and " +
      "every locked seal's head in the chain, 0 when it found a problem (`bulwark audit verify` names it); " +
      "recomputed at most every BULWARK_AUDIT_VERIFY_MINUTES, absent until the first verification finished",
    registers: [registry],
    async collect() {
      this.reset();
      const r = await current();
      if (r) this.set(r.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: "bulwark_audit_chain_problems",
    help: "Problems the last verification of the audit trail found (edited, removed or unlinked entries, seals that disagree)",
    registers: [registry],
    async collect() {
      this.reset();
      const r = await current();
      if (r) this.set(r.problems);
    },
  });
  new Gauge({
    name: "bulwark_audit_chain_verified_timestamp_seconds",
    help: "When the last verification of the audit trail finished (seconds since the epoch); old when verifications fail to run",
    registers: [registry],
    async collect() {
      this.reset();
      const r = await current();
      if (r) this.set(r.at);
    },
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
