/** Concurrent writers to one key, in one process and in several, never corrupt each other. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import { PACKAGE_ROOT } from "../../src/core/paths.js";
import { tempDir } from "../helpers/tmp.js";
import { contentFor } from "./fixtures/content.js";

const WRITER = join(PACKAGE_ROOT, "dist", "test", "storage", "fixtures", "concurrent-writer.js");
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

async function assertEveryVersionIntact(store: FsObjectStore, key: string, expected: Map<string, Buffer>) {
  const versions = await store.listVersions(key);
  assert.equal(versions.length, expected.size, "one version per put");
  assert.equal(new Set(versions.map((v) => v.versionId)).size, versions.length, "version ids are unique");
  assert.equal(versions.filter((v) => v.isLatest).length, 1);
  for (const v of versions) {
    const want = expected.get(v.versionId);
    assert.ok(want, `unexpected version ${v.versionId}`);
    const got = await store.getBuffer(key, { versionId: v.versionId });
    assert.equal(sha(got), sha(want), `version ${v.versionId} is torn or mixed`);
    assert.equal((await store.head(key, { versionId: v.versionId })).sha256, sha(want));
  }
}

test("many parallel puts to one key in one process: every version intact", async () => {
  const store = new FsObjectStore({ root: tempDir("bulwark-conc-"), bucket: "conc" });
  const bodies = Array.from({ length: 40 }, (_, i) => contentFor("p", i));
  const results = await Promise.all(bodies.map((b) => store.put("shared/key.bin", b)));
  const expected = new Map(results.map((r, i) => [r.versionId, bodies[i] as Buffer]));
  await assertEveryVersionIntact(store, "shared/key.bin", expected);
  // The latest is the last one committed, i.e. the greatest version id.
  const latest = [...expected.keys()].sort().at(-1) as string;
  assert.equal((await store.head("shared/key.bin")).versionId, latest);
});

test("several processes writing one key at once: every version intact", async () => {
  const root = tempDir("bulwark-conc-");
  const store = new FsObjectStore({ root, bucket: "conc" });
  await store.init();
  const writers = ["a", "b", "c", "d"].map(
    (tag) =>
      new Promise<Array<{ versionId: string; tag: string; i: number; sha256: string }>>((resolve, reject) => {
        const child = spawn(process.execPath, [WRITER, root, "conc", "shared/key.bin", "10", tag], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
        child.on("error", reject);
        child.on("exit", (code) =>
          code === 0
            ? resolve(
                out
                  .trim()
                  .split("\n")
                  .map((l) => JSON.parse(l) as { versionId: string; tag: string; i: number; sha256: string }),
              )
            : reject(new Error(`writer ${tag} exited with ${code}`)),
        );
      }),
  );
  const results = (await Promise.all(writers)).flat();
  assert.equal(results.length, 40);
  const expected = new Map(results.map((r) => [r.versionId, contentFor(r.tag, r.i)]));
  for (const r of results) assert.equal(r.sha256, sha(contentFor(r.tag, r.i)));
  await assertEveryVersionIntact(store, "shared/key.bin", expected);
});
