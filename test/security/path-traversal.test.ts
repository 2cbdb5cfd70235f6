/**
 * The path traversal matrix over HTTP: every place a caller names something that ends up
 * as a path (object keys and prefixes, upload file names, dataset/model/run references,
 * presigned links, import sources) is tried with every spelling of "go up a folder" we
 * know. A canary file sits beside the store; no answer may carry it, no request may write
 * beside it, and every refusal is a 4xx with a code, never a 5xx.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { startTestServer, type CallResult } from "../server/helpers.js";

const CANARY = "canary-3f9c1e-do-not-serve";
const server = await startTestServer();
const key = server.adminKey;
// The store lives under the home; the canary is in the home and in the folder above it.
writeFileSync(join(server.home, "canary.txt"), CANARY);
writeFileSync(join(dirname(server.home), "canary.txt"), CANARY);

const SPELLINGS = [
  "../canary.txt",
  "../../canary.txt",
  "a/../../canary.txt",
  "..\\..\\canary.txt",
  "%2e%2e/%2e%2e/canary.txt",
  "..%2f..%2fcanary.txt",
  "/etc/passwd",
  "./../canary.txt",
  "a/./../../../canary.txt",
  "..",
  "a//../canary.txt",
  "canary.txt\u0000.jsonl",
  "\u2025/canary.txt",
];

function refused(r: CallResult, what: string): void {
  const where = `${what}: ${r.status} ${r.text.slice(0, 300)}`;
  assert.ok(r.status >= 400 && r.status < 500, where);
  assert.ok(!r.text.includes(CANARY), `${where} leaked the canary`);
  if (r.body?.status === "error") assert.match(String(r.body.code), /^[A-Z_]+$/, where);
}

/** The same refusal for a spelling that is a legal (if odd) key: it names nothing there. */
function absentOrRefused(r: CallResult, what: string): void {
  const where = `${what}: ${r.status} ${r.text.slice(0, 300)}`;
  assert.ok(!r.text.includes(CANARY), `${where} leaked the canary`);
  if (r.status === 200) {
    // "%2e%2e/x" is a legal key made of percent signs: listing it finds nothing.
    const data = r.body?.data;
    const empty = Array.isArray(data) ? data.length === 0 : (data?.objects ?? []).length === 0;
    assert.ok(empty, `${where} listed something`);
    return;
  }
  assert.ok(r.status >= 400 && r.status < 500, where);
}

describe("path traversal: nothing outside the store is read or written", () => {
  test("object keys and prefixes in every storage route", async () => {
    for (const evil of SPELLINGS) {
      const q = encodeURIComponent(evil);
      for (const path of ["/v1/storage/object", "/v1/storage/versions", "/v1/storage/lock"]) {
        absentOrRefused(await server.call(`${path}?key=${q}`, { key }), `${path} ${JSON.stringify(evil)}`);
      }
      absentOrRefused(
        await server.call(`/v1/storage/objects?prefix=${q}`, { key }),
        `objects prefix ${JSON.stringify(evil)}`,
      );
      absentOrRefused(
        await server.call("/v1/storage/download-url", { key, json: { key: evil } }),
        `download-url ${JSON.stringify(evil)}`,
      );
      for (const [path, json] of [
        ["/v1/storage/legal-hold", { key: evil, on: true }],
        ["/v1/storage/retention", { key: evil, mode: "GOVERNANCE", until: "2099-01-01T00:00:00Z" }],
      ] as const) {
        absentOrRefused(
          await server.call(path, { method: "PUT", key, json }),
          `${path} ${JSON.stringify(evil)}`,
        );
      }
    }
  });

  test("keys that climb out are refused by name, with INVALID_KEY", async () => {
    for (const evil of ["../canary.txt", "a/../../canary.txt", "..", "/etc/passwd", "..\\..\\canary.txt"]) {
      const r = await server.call(`/v1/storage/object?key=${encodeURIComponent(evil)}`, { key });
      refused(r, JSON.stringify(evil));
      assert.equal(r.body.code, "INVALID_KEY", JSON.stringify(evil));
    }
  });

  test("upload file names cannot leave the uploads folder", async () => {
    const before = readdirSync(dirname(server.home)).sort();
    for (const evil of SPELLINGS.map((s) => `${s}.jsonl`)) {
      const r = await server.call(`/v1/datasets/uploads/${encodeURIComponent(evil)}`, {
        method: "PUT",
        key,
        body: `{"text":"${CANARY}","label":0}\n`,
        headers: { "content-type": "application/x-ndjson" },
      });
      if (r.status === 201) {
        // A name the route accepts is only ever the last part of a key under uploads/.
        assert.match(r.body.data.key, /^uploads\/up_[A-Za-z0-9_-]+\/[^/]+$/, JSON.stringify(evil));
        assert.ok(!r.body.data.key.includes(".."), r.body.data.key);
      } else refused(r, `upload ${JSON.stringify(evil)}`);
    }
    assert.deepEqual(readdirSync(dirname(server.home)).sort(), before, "a file appeared beside the home");
    assert.ok(!existsSync(join(server.home, "canary.txt.jsonl")));
  });

  test("dataset, model and run references", async () => {
    for (const evil of SPELLINGS) {
      const ref = encodeURIComponent(evil);
      for (const path of [
        `/v1/datasets/${ref}`,
        `/v1/datasets/${ref}/stats`,
        `/v1/datasets/${ref}/export`,
        `/v1/models/${ref}`,
        `/v1/models/${ref}/verify`,
        `/v1/models/${ref}/history`,
        `/v1/runs/${ref}`,
        `/v1/jobs/${ref}`,
      ]) {
        absentOrRefused(await server.call(path, { key }), path);
      }
    }
  });

  test("presigned links: a signature for one key opens no other", async () => {
    const put = await server.ctx.store.put("shared/ok.txt", "fine");
    const made = await server.call("/v1/storage/download-url", { key, json: { key: "shared/ok.txt" } });
    assert.equal(made.status, 200, made.text);
    // The link names the configured public URL; the test server answers on its own port.
    const link = new URL(
      new URL(made.body.data.url).pathname + new URL(made.body.data.url).search,
      server.url,
    );
    assert.equal((await fetch(link)).status, 200);
    for (const evil of [
      "../canary.txt",
      "shared/../../canary.txt",
      "%2e%2e/canary.txt",
      "shared/ok.txt/../../x",
    ]) {
      const forged = new URL(link);
      forged.pathname = link.pathname.replace(/shared\/ok\.txt$/, evil);
      const r = await fetch(forged);
      const text = await r.text();
      assert.ok(r.status >= 400 && r.status < 500, `${evil}: ${r.status} ${text.slice(0, 200)}`);
      assert.ok(!text.includes(CANARY));
    }
    assert.ok(put.versionId);
  });

  test("import sources and training datasets never name the server's files", async () => {
    for (const source of [
      "/etc/passwd",
      "../canary.txt",
      join(server.home, "canary.txt"),
      `file://${join(server.home, "canary.txt")}`,
      "file:///etc/passwd",
    ]) {
      const r = await server.call("/v1/datasets/import", { key, json: { name: "evil", sources: [source] } });
      refused(r, `import ${source}`);
    }
    for (const dataset of ["../../etc", "/etc/passwd", "..", "bundled/../../x"]) {
      refused(
        await server.call("/v1/training", { key, json: { datasets: [dataset] } }),
        `training ${dataset}`,
      );
    }
  });
});
