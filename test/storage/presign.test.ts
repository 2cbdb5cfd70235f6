import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import {
  buildPresignedUrl,
  loadOrCreateSecret,
  parsePresignedUrl,
  verifyPresignedUrl,
} from "../../src/storage/fs/presign.js";
import { StorageError } from "../../src/storage/errors.js";
import { tempDir } from "../helpers/tmp.js";
import { rejectsWith } from "./conformance.js";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StorageError, String(err));
    return err.code;
  }
  return "OK";
}

test("the signing secret is random, made once, kept with mode 0600", async () => {
  const root = tempDir("bulwark-presign-");
  const file = join(root, ".bulwark", "presign-secret");
  const a = await loadOrCreateSecret(file);
  const b = await loadOrCreateSecret(file);
  assert.equal(a.length, 32);
  assert.ok(a.equals(b));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const other = await loadOrCreateSecret(join(tempDir("bulwark-presign-"), "s"));
  assert.ok(!a.equals(other), "two stores must not share a secret");
  // Racing first uses agree on one secret.
  const racing = join(root, "race", "secret");
  const all = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSecret(racing)));
  assert.ok(all.every((s) => s.equals(all[0] as Buffer)));
  assert.equal(readFileSync(racing, "utf8").length, 64);
});

test("a store's links verify; tampering, expiry, wrong method and another store's secret do not", async () => {
  const root = tempDir("bulwark-presign-");
  const store = new FsObjectStore({ root, bucket: "links", publicUrl: "https://guard.example.com/base/" });
  const v = await store.put("red-team-data/run 1/ü.jsonl", "x");
  const url = await store.presignGet("red-team-data/run 1/ü.jsonl", 300, { versionId: v.versionId });
  assert.ok(
    url.startsWith("https://guard.example.com/base/v1/storage/presigned/red-team-data/run%201/%C3%BC.jsonl?"),
  );

  const ok = await store.verifyPresignedUrl(url, "GET");
  assert.equal(ok.key, "red-team-data/run 1/ü.jsonl");
  assert.equal(ok.versionId, v.versionId);
  assert.equal((await store.verifyPresignedUrl(url, "HEAD")).method, "GET");

  const secret = await store.signingSecret();
  const u = new URL(url);
  const tamper = (name: string, value: string) => {
    const t = new URL(u);
    t.searchParams.set(name, value);
    return t;
  };
  assert.equal(
    code(() =>
      verifyPresignedUrl(tamper("expires", String(Number(u.searchParams.get("expires")) + 999)), secret),
    ),
    "PRESIGN_INVALID",
  );
  assert.equal(
    code(() => verifyPresignedUrl(tamper("versionId", "000000000000001-00000000"), secret)),
    "PRESIGN_INVALID",
  );
  assert.equal(
    code(() => verifyPresignedUrl(tamper("method", "PUT"), secret)),
    "PRESIGN_INVALID",
  );
  assert.equal(
    code(() => verifyPresignedUrl(tamper("signature", "0".repeat(64)), secret)),
    "PRESIGN_INVALID",
  );
  assert.equal(
    code(() => verifyPresignedUrl(tamper("signature", "nothex"), secret)),
    "PRESIGN_INVALID",
  );
  assert.equal(
    code(() => verifyPresignedUrl(url.replace("%C3%BC.jsonl", "other.jsonl"), secret)),
    "PRESIGN_INVALID",
  );
  assert.equal(
    code(() => verifyPresignedUrl(url, secret, { method: "PUT" })),
    "PRESIGN_INVALID",
  );
  assert.equal(
    code(() => verifyPresignedUrl("https://x/elsewhere?a=b", secret)),
    "PRESIGN_INVALID",
  );
  const expiresAt = Number(u.searchParams.get("expires")) * 1000;
  assert.equal(
    code(() => verifyPresignedUrl(url, secret, { now: expiresAt + 1000 })),
    "PRESIGN_EXPIRED",
  );
  assert.equal(
    code(() => verifyPresignedUrl(url, secret, { now: expiresAt - 1000 })),
    "OK",
  );

  const stranger = new FsObjectStore({ root: tempDir("bulwark-presign-"), bucket: "links" });
  const err = await rejectsWith(stranger.verifyPresignedUrl(url), "PRESIGN_INVALID");
  assert.match(err.message, /signature does not match \(the link was altered or made by another store\)/);
});

test("PUT links are for PUT only, and the HTTP route can parse a bare path", async () => {
  const store = new FsObjectStore({ root: tempDir("bulwark-presign-"), bucket: "links" });
  const url = await store.presignPut("uploads/new.jsonl", 60);
  assert.ok(url.startsWith("http://127.0.0.1:8000/v1/storage/presigned/uploads/new.jsonl?"));
  const path = url.slice("http://127.0.0.1:8000".length);
  const parsed = parsePresignedUrl(path);
  assert.equal(parsed.method, "PUT");
  assert.equal(parsed.key, "uploads/new.jsonl");
  assert.equal((await store.verifyPresignedUrl(path, "PUT")).key, "uploads/new.jsonl");
  const wrongMethod = await rejectsWith(store.verifyPresignedUrl(path, "GET"), "PRESIGN_INVALID");
  assert.match(wrongMethod.message, /the link is for PUT, not GET/);
  const secret = await store.signingSecret();
  const forged = buildPresignedUrl("http://h", secret, {
    method: "GET",
    bucket: "other",
    key: "k",
    expires: 2e9,
  });
  await assert.rejects(store.verifyPresignedUrl(forged), /the link is for another bucket/);
  // Refused as a link (403), like every other bad link, not as a bad argument.
  await rejectsWith(store.verifyPresignedUrl(forged), "PRESIGN_INVALID");
});
