/**
 * A writer killed with SIGKILL mid-put must leave the store consistent: the old version
 * intact, nothing torn or half-visible, and the next put working (and sweeping up).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import { PACKAGE_ROOT } from "../../src/core/paths.js";
import { tempDir } from "../helpers/tmp.js";

const WRITER = join(PACKAGE_ROOT, "dist", "test", "storage", "fixtures", "slow-writer.js");
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tempFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith(".tmp-"));
}

/** Starts the writer and SIGKILLs it once its temporary file holds at least `killAt` bytes. */
async function killMidPut(root: string, key: string, vdir: string, killAt: number): Promise<void> {
  const before = new Set(tempFiles(vdir));
  const child = spawn(process.execPath, [WRITER, root, "crash", key, String(96 * 1024 * 1024)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_code, signal) => r(signal)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const tmp = tempFiles(vdir).find((n) => n.endsWith(".data") && !before.has(n));
    if (tmp && (statSync(join(vdir, tmp), { throwIfNoEntry: false })?.size ?? 0) >= killAt) break;
    assert.ok(Date.now() < deadline, "the writer never got going");
    assert.ok(!out.includes("finished"), "the writer finished before it could be killed");
    await sleep(2);
  }
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");
}

test("kill -9 in the middle of a put leaves the old version, whole and alone", async () => {
  const root = tempDir("bulwark-crash-");
  const store = new FsObjectStore({ root, bucket: "crash" });
  const key = "datasets/big.bin";
  const old = Buffer.from("the previous version, which must survive\n".repeat(1000));
  const v1 = await store.put(key, old);
  const vdir = join(root, "crash", "datasets", "big.bin", ".v");

  for (const killAt of [1, 8 * 1024 * 1024, 24 * 1024 * 1024]) {
    await killMidPut(root, key, vdir, killAt);

    // The killed write is invisible: same latest version, same bytes, same hash.
    const fresh = new FsObjectStore({ root, bucket: "crash" });
    const info = await fresh.head(key);
    assert.equal(info.versionId, v1.versionId);
    assert.equal(info.size, old.length);
    assert.equal(sha(await fresh.getBuffer(key)), v1.sha256);
    assert.equal((await fresh.verify(key)).sha256Matches, true);
    assert.deepEqual(
      (await fresh.listVersions(key)).map((v) => v.versionId),
      [v1.versionId],
    );
    assert.deepEqual(
      (await fresh.list({ prefix: "datasets/" })).objects.map((o) => o.key),
      [key],
    );
  }
  // The dead writers' temporaries exist but are not objects, and the next put sweeps them.
  assert.ok(tempFiles(vdir).length >= 1, "expected leftovers from the killed writers");
  const v2 = await store.put(key, "after the crash");
  assert.deepEqual(tempFiles(vdir), []);
  assert.equal((await store.getBuffer(key)).toString(), "after the crash");
  assert.equal((await store.getBuffer(key, { versionId: v1.versionId })).toString(), old.toString());
  assert.equal((await store.listVersions(key)).length, 2);
  assert.notEqual(v2.versionId, v1.versionId);
});

test("a lock left by a killed process is broken, and an orphan data file is swept", async () => {
  const root = tempDir("bulwark-crash-");
  const store = new FsObjectStore({ root, bucket: "crash" });
  const v1 = await store.put("k", "one");
  const vdir = join(root, "crash", "k", ".v");
  // A pid that certainly no longer runs.
  const dead = spawnSync(process.execPath, [
    "-e",
    "process.stdout.write(String(process.pid))",
  ]).stdout.toString();
  writeFileSync(
    join(vdir, ".lock"),
    JSON.stringify({ pid: Number(dead), host: (await import("node:os")).hostname(), token: "x", at: "" }),
  );
  // A crash between the data rename and the record rename leaves data without a record.
  writeFileSync(join(vdir, "000000000000001-deadbeef.data"), "orphan");

  const started = Date.now();
  const v2 = await store.put("k", "two");
  assert.ok(Date.now() - started < 5000, "the stale lock was not broken promptly");
  assert.equal((await store.getBuffer("k")).toString(), "two");
  assert.deepEqual(
    (await store.listVersions("k")).map((v) => v.versionId),
    [v2.versionId, v1.versionId],
  );
  assert.ok(!readdirSync(vdir).includes("000000000000001-deadbeef.data"));
  assert.ok(!readdirSync(vdir).includes(".lock"));
});
