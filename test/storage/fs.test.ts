import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import { tempDir } from "../helpers/tmp.js";
import { objectStoreConformance, rejectsWith } from "./conformance.js";

function stores(root: string) {
  return {
    locked: new FsObjectStore({ root, bucket: "locked", objectLock: true }),
    plain: new FsObjectStore({ root, bucket: "plain" }),
  };
}

const conformanceRoot = tempDir("bulwark-fs-");
objectStoreConformance("local disk", async () => {
  const s = stores(conformanceRoot);
  await s.locked.init({ objectLock: true });
  await s.plain.init();
  return { ...s, cleanup: async () => undefined };
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

test("retention and legal hold survive a restart (a new store on the same folder)", async () => {
  const root = tempDir("bulwark-fs-");
  const first = new FsObjectStore({ root, bucket: "worm", objectLock: true });
  const until = new Date(Date.now() + 86_400_000).toISOString();
  const v = await first.put("snapshots/audit.json", "{}", {
    retention: { mode: "COMPLIANCE", retainUntil: until },
  });
  const held = await first.put("snapshots/held.json", "{}", { legalHold: true });
  await first.close();

  const second = new FsObjectStore({ root, bucket: "worm" });
  assert.equal((await second.getLockConfig()).enabled, true);
  await rejectsWith(
    second.delete("snapshots/audit.json", { versionId: v.versionId, bypassGovernance: true }),
    "OBJECT_LOCKED",
  );
  await rejectsWith(second.delete("snapshots/held.json", { versionId: held.versionId }), "OBJECT_LOCKED");
  assert.equal((await second.listVersions("snapshots/audit.json")).length, 1, "both versions are kept");
  assert.equal((await second.listVersions("snapshots/held.json")).length, 1);
  const report = await second.verify("snapshots/audit.json");
  assert.equal(report.protected, true);
  assert.equal(report.sha256Matches, true);
});

test("claiming WORM in the configuration refuses writes to a bucket made without lock", async () => {
  const root = tempDir("bulwark-fs-");
  await new FsObjectStore({ root, bucket: "plain" }).put("a.txt", "x");
  const claimed = new FsObjectStore({ root, bucket: "plain", objectLock: true });
  const err = await rejectsWith(claimed.put("b.txt", "x"), "BUCKET_LOCK_NOT_ENABLED");
  assert.match(err.message, /create a new bucket with Object Lock enabled/);
  const plain = new FsObjectStore({ root, bucket: "plain" });
  assert.equal(await plain.exists("b.txt"), false, "the refused put wrote nothing");
  assert.deepEqual(
    (await plain.list()).objects.map((o) => o.key),
    ["a.txt"],
  );
});

test("the first write creates the bucket, with lock when configured", async () => {
  const root = tempDir("bulwark-fs-");
  const store = new FsObjectStore({ root, bucket: "fresh", objectLock: true });
  await rejectsWith(store.getLockConfig(), "NO_SUCH_BUCKET");
  assert.deepEqual((await store.list()).objects, []);
  await store.put("x", "y");
  assert.equal((await store.getLockConfig()).enabled, true);
});

test("nothing is written outside the store's folder, whatever the key", async () => {
  const root = tempDir("bulwark-fs-");
  const store = new FsObjectStore({ root: join(root, "store"), bucket: "bkt" });
  for (const key of ["../escape", "a/../../escape", "/etc/passwd", "a/./b", "..\\escape", "%2e%2e/x"]) {
    await store.put(key, "x").catch(() => undefined);
  }
  // Keys that look like Bulwark's own folders are escaped, not confused with them.
  await store.put(".v/.lock", "dots");
  await store.put("%/%2e", "percent");
  await store.put(".bulwark/bucket.json", "not the config");
  for (const file of walk(root)) {
    assert.ok(!relative(join(root, "store"), file).startsWith(".."), `${file} escaped the store`);
  }
  assert.equal((await store.getBuffer(".v/.lock")).toString(), "dots");
  assert.equal((await store.getBuffer("%/%2e")).toString(), "percent");
  assert.equal((await store.getBuffer(".bulwark/bucket.json")).toString(), "not the config");
  assert.equal((await store.getLockConfig()).enabled, false);
  assert.deepEqual(
    (await store.list()).objects.map((o) => o.key),
    ["%/%2e", "%2e%2e/x", ".bulwark/bucket.json", ".v/.lock"],
  );
});

test("version files are read-only and versions are separate files", async () => {
  const root = tempDir("bulwark-fs-");
  const store = new FsObjectStore({ root, bucket: "bkt" });
  const a = await store.put("k", "1");
  const b = await store.put("k", "2");
  const dir = join(root, "bkt", "k", ".v");
  const names = readdirSync(dir).sort();
  assert.deepEqual(names, [
    `${a.versionId}.data`,
    `${a.versionId}.json`,
    `${b.versionId}.data`,
    `${b.versionId}.json`,
  ]);
  assert.equal(
    statSync(join(dir, `${a.versionId}.data`)).mode & 0o777,
    0o400,
    "read-only, and private to the owner",
  );
});
