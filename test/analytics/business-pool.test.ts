/**
 * Texts screened by a detection worker count in the business metrics like those screened
 * on the request thread: one latency observation per text, one answer per request, and the
 * CPU gauge over them (process.cpuUsage covers every thread of the process). A real
 * `bulwark serve` process with one detection worker; large bodies go to the worker.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { call, testArtifact } from "../server/helpers.js";
import { servePooled } from "../server/process.js";

const prose = (chars: number) =>
  "The quarterly report covers sales in the northern region, the outlook and hiring plans. "
    .repeat(Math.ceil(chars / 88))
    .slice(0, chars);

describe("business metrics over a detection worker", async () => {
  const { artifact } = await testArtifact();
  const { server, key } = await servePooled("bulwark-business-pool-", artifact, {
    BULWARK_MAX_TEXT_CHARS: "300000",
  });
  after(() => server.stop());

  async function scrape(): Promise<(prefix: string) => number> {
    const text = (await call(server.url, "/metrics")).text;
    return (prefix) =>
      text
        .split("\n")
        .filter((l) => l.startsWith(prefix) && "{ ,}".includes(l[prefix.length] ?? ""))
        .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
  }

  test("large texts screened by the worker are observed, answered and costed", async () => {
    const before = await scrape();
    const big = prose(100_000);
    for (let i = 0; i < 3; i++) {
      const r = await call(server.url, "/v1/detect", { key, json: { text: `${big} ${i}` } });
      assert.equal(r.status, 200, r.text.slice(0, 200));
    }
    const batch = await call(server.url, "/v1/detect/batch", { key, json: { texts: [big, big, "hello"] } });
    assert.equal(batch.status, 200, batch.text.slice(0, 200));
    const after = await scrape();
    const grew = (prefix: string) => after(prefix) - before(prefix);

    assert.equal(grew('bulwark_detect_worker_bodies_total{route="detect",outcome="screened"'), 3);
    assert.equal(grew('bulwark_detect_worker_bodies_total{route="batch",outcome="screened"'), 1);
    assert.equal(grew("bulwark_detection_duration_seconds_count"), 6);
    assert.equal(grew('bulwark_detection_duration_seconds_bucket{le="+Inf"'), 6);
    assert.equal(grew("bulwark_detections_total"), 6);
    assert.equal(grew('bulwark_detection_requests_total{route="detect"'), 3);
    assert.equal(grew('bulwark_detection_requests_total{route="batch"'), 1);
    assert.ok(grew("bulwark_process_cpu_seconds_total") > 0);
    const cpu = after("bulwark_cpu_ms_per_1000_detections");
    assert.ok(Number.isFinite(cpu) && cpu > 0, `cpu ms per 1,000 detections: ${cpu}`);
  });
});
