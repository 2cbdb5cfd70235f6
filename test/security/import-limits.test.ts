/**
 * Resource exhaustion through dataset import: a source that never ends, lies about its
 * size, or never answers must not hold a job slot or fill the disk. The service caps every
 * download (BULWARK_IMPORT_MAX_BYTES while the body streams, and up front when the server
 * declares a length) and every attempt (BULWARK_IMPORT_TIMEOUT); the job fails with a code
 * that says which, and the next job still runs.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { keyFor, startTestServer } from "../server/helpers.js";

const ROW = '{"text":"a harmless sentence about the weather","label":0}\n';
const open = new Set<ServerResponse>();
const source = createServer((req, res) => {
  open.add(res);
  res.on("close", () => open.delete(res));
  if (req.url === "/endless") {
    // Valid JSONL forever, without a declared length.
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    const pump = () => {
      while (res.write(ROW.repeat(64)));
    };
    res.on("drain", pump);
    pump();
  } else if (req.url === "/declared") {
    res.writeHead(200, { "content-length": String(10 * 1024 ** 3) });
    res.write(ROW);
  } else if (req.url === "/stall") {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.write(ROW); // then nothing, ever
  } else if (req.url === "/small.jsonl") {
    res.writeHead(200, { "content-type": "application/x-ndjson" }).end(ROW.repeat(3));
  } else res.writeHead(404).end();
});
await new Promise<void>((done) => source.listen(0, "127.0.0.1", done));
const base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
after(() => {
  for (const res of open) res.destroy();
  source.closeAllConnections();
  source.close();
});

const server = await startTestServer({
  env: {
    BULWARK_IMPORT_ALLOW_HOSTS: new URL(base).host,
    BULWARK_IMPORT_MAX_BYTES: "65536",
    BULWARK_IMPORT_TIMEOUT: "1",
    BULWARK_JOB_ATTEMPTS: "1",
  },
});
const analyst = await keyFor(server, "analyst");

async function importJob(url: string): Promise<{ status: string; error: string | null }> {
  const r = await server.call("/v1/datasets/import", { key: analyst, json: { sources: [url] } });
  assert.equal(r.status, 202, r.text);
  for (let i = 0; i < 600; i++) {
    const j = await server.call(`/v1/jobs/${r.body.data.id}`, { key: analyst });
    if (!["queued", "running"].includes(j.body.data.status)) return j.body.data;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`import of ${url} did not finish`);
}

describe("import downloads are bounded", () => {
  test("an endless body is cut at BULWARK_IMPORT_MAX_BYTES", async () => {
    const job = await importJob(`${base}/endless`);
    assert.equal(job.status, "failed");
    assert.match(String(job.error), /^IMPORT_TOO_LARGE: .*65536 bytes/);
  });

  test("a declared length over the cap is refused before the body is read", async () => {
    const job = await importJob(`${base}/declared`);
    assert.equal(job.status, "failed");
    assert.match(String(job.error), /^IMPORT_TOO_LARGE: /);
  });

  test("a source that stalls mid-body fails with IMPORT_TIMEOUT, and the next import runs", async () => {
    const job = await importJob(`${base}/stall`);
    assert.equal(job.status, "failed");
    assert.match(String(job.error), /^IMPORT_TIMEOUT: .*did not answer within 1000 ms/);
    const next = await importJob(`${base}/small.jsonl`);
    assert.equal(next.status, "succeeded", JSON.stringify(next));
  });

  test("nothing partial was kept as a dataset", async () => {
    const r = await server.call("/v1/datasets", { key: analyst });
    assert.equal(r.status, 200);
    const rows = (r.body.data as { rows: number }[]).map((d) => d.rows);
    assert.deepEqual(rows, [3], "only the small import became a dataset");
  });
});
