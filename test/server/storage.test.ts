import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { assertError, keyFor, startTestServer } from "./helpers.js";

describe("storage over HTTP (local store)", async () => {
  const server = await startTestServer();
  const analyst = await keyFor(server, "analyst");
  const store = server.ctx.store;
  const put = await store.put("training-data/main/v1.jsonl", '{"text":"hi","label":0}\n', {
    contentType: "application/x-ndjson",
  });
  await store.put("models/builtin/1.0.0/model.bwm", Buffer.from("model bytes"));

  /** The link as the server would be reached (port 0 in tests: only path and query matter). */
  const local = (url: string) => {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  };

  test("lists folders and objects", async () => {
    const top = await server.call("/v1/storage/objects", { key: analyst });
    assert.equal(top.status, 200);
    assert.ok(top.body.data.prefixes.includes("training-data/"));
    const deep = await server.call("/v1/storage/objects?prefix=training-data/&recursive=true", {
      key: analyst,
    });
    assert.deepEqual(
      deep.body.data.objects.map((o: { key: string }) => o.key),
      ["training-data/main/v1.jsonl"],
    );
  });

  test("object info and lock status", async () => {
    const info = await server.call(
      `/v1/storage/object?key=${encodeURIComponent("training-data/main/v1.jsonl")}`,
      { key: analyst },
    );
    assert.equal(info.status, 200);
    assert.equal(info.body.data.sha256, put.sha256);
    assert.equal(info.body.data.legalHold, false);
    const lock = await server.call(`/v1/storage/lock?key=training-data/main/v1.jsonl`, { key: analyst });
    assert.equal(lock.body.data.protected, false);
    assert.equal(lock.body.data.sha256Matches, true);
    const missing = await server.call(`/v1/storage/object?key=nope/none.txt`, { key: analyst });
    assertError(missing, 404, "NO_SUCH_KEY", /object "nope\/none\.txt" not found/);
    const bucket = await server.call("/v1/storage/bucket", { key: analyst });
    assert.equal(bucket.body.data.lock.enabled, true, "a fresh local store is created with Object Lock");
  });

  test("a presigned download link serves the object without credentials until altered", async () => {
    const r = await server.call("/v1/storage/download-url", {
      key: analyst,
      json: { key: "training-data/main/v1.jsonl", expiresIn: 60 },
    });
    assert.equal(r.status, 200);
    const path = local(r.body.data.url);
    assert.match(path, /^\/v1\/storage\/presigned\/training-data\/main\/v1\.jsonl\?/);
    const got = await fetch(`${server.url}${path}`);
    assert.equal(got.status, 200);
    assert.equal(await got.text(), '{"text":"hi","label":0}\n');
    assert.equal(got.headers.get("x-bulwark-sha256"), put.sha256);
    const tampered = path.replace("expires=", "expires=9");
    const bad = await fetch(`${server.url}${tampered}`);
    assert.equal(bad.status, 403);
    assert.equal(((await bad.json()) as { code: string }).code, "PRESIGN_INVALID");
    const put2 = await fetch(`${server.url}${path}`, { method: "PUT", body: "overwrite" });
    assert.equal(put2.status, 403, "a GET link cannot upload");
    const put2Body = (await put2.json()) as { code: string; error: string };
    assert.equal(put2Body.code, "PRESIGN_INVALID");
    assert.match(put2Body.error, /the link is not valid: .*GET/);
    assert.equal(
      (await store.getBuffer("training-data/main/v1.jsonl")).toString(),
      '{"text":"hi","label":0}\n',
      "the object is unchanged",
    );
    assert.equal((await store.listVersions("training-data/main/v1.jsonl")).length, 1, "no version was added");
    await server.ctx.audit.flush();
    const refused = await server.ctx.audit.list({ action: "auth.refused", limit: 10 });
    assert.equal(refused.length, 2, "both refused links are audited");
  });

  test("retention and legal hold: admin only, enforced by the store, audited", async () => {
    const key = "snapshots/registry/reg.json";
    await store.put(key, "{}");
    const denied = await server.call("/v1/storage/legal-hold", {
      method: "PUT",
      key: analyst,
      json: { key, on: true },
    });
    assertError(denied, 403, "FORBIDDEN", /the analyst role may not do this \(it needs admin\)/);
    assert.equal((await store.head(key)).legalHold, false, "the hold was not set");
    await server.ctx.audit.flush();
    const refusal = (await server.ctx.audit.list({ action: "auth.refused", order: "desc", limit: 1 }))[0]!;
    assert.deepEqual(
      [refusal.actor, refusal.target, refusal.details?.reason],
      ["key:analyst-key", "PUT /v1/storage/legal-hold", "forbidden_role"],
    );
    const hold = await server.call("/v1/storage/legal-hold", {
      method: "PUT",
      key: server.adminKey,
      json: { key, on: true },
    });
    assert.equal(hold.status, 200);
    assert.equal(hold.body.data.legalHold, true);
    const ret = await server.call("/v1/storage/retention", {
      method: "PUT",
      key: server.adminKey,
      json: { key, mode: "COMPLIANCE", days: 1 },
    });
    assert.equal(ret.status, 200);
    assert.equal(ret.body.data.retention.mode, "COMPLIANCE");
    const shorten = await server.call("/v1/storage/retention", {
      method: "PUT",
      key: server.adminKey,
      json: { key, clear: true, bypassGovernance: true },
    });
    assertError(
      shorten,
      409,
      "RETENTION_SHORTENING_REFUSED",
      /cannot be removed by anyone; it can only be extended/,
    );
    assert.equal((await store.head(key)).retention?.mode, "COMPLIANCE", "the retention is unchanged");
    const ambiguous = await server.call("/v1/storage/retention", {
      method: "PUT",
      key: server.adminKey,
      json: { key, mode: "GOVERNANCE" },
    });
    assertError(ambiguous, 400, "VALIDATION_ERROR", /give mode and exactly one of days or retainUntil/);
    const lock = await server.call(`/v1/storage/lock?key=${key}`, { key: analyst });
    assert.equal(lock.body.data.protected, true);
    await server.ctx.audit.flush();
    const entries = await server.ctx.audit.list({ limit: 1000 });
    assert.ok(entries.some((e) => e.action === "storage.legal_hold" && e.outcome === "success"));
    assert.ok(entries.some((e) => e.action === "storage.retention" && e.outcome === "failure"));
  });
});
