/**
 * Object Lock on embedded defaults (security review, audit item 4): on a fresh home the
 * first command to write created the local bucket without Object Lock, so `bulwark audit
 * snapshot` wrote "NOT locked" and production model snapshots were unprotected out of the
 * box. The default local bucket now has Object Lock from the first start, whichever command
 * comes first, and an old home's bucket is given it with a warning.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

interface Snapshot {
  key: string;
  versionId: string;
  locked: boolean;
  retainUntil: string | null;
}

async function snapshotOn(home: string): Promise<{ snapshot: Snapshot; stderr: string }> {
  // An entry to seal: creating a user is audited.
  const user = await runCli(
    ["users", "create", "--username", "alice", "--role", "analyst", "--password-stdin"],
    {
      env: { BULWARK_HOME: home },
      input: "a-long-enough-password\n",
    },
  );
  assert.equal(user.code, 0, user.stderr);
  const r = await runCli(["audit", "snapshot", "--json"], { env: { BULWARK_HOME: home } });
  assert.equal(r.code, 0, r.stderr);
  return { snapshot: JSON.parse(r.stdout) as Snapshot, stderr: user.stderr + r.stderr };
}

test("a fresh home: `bulwark audit snapshot` as the first command writes a locked snapshot", async () => {
  const home = tempDir("bulwark-default-lock-");
  const { snapshot } = await snapshotOn(home);
  assert.equal(snapshot.locked, true, "the snapshot must be under Object Lock");
  assert.ok(snapshot.retainUntil);

  const store = new FsObjectStore({ root: join(home, "objects"), bucket: "bulwark" });
  const lock = await store.getLockConfig();
  assert.equal(lock.enabled, true);
  assert.equal(lock.defaultRetention, undefined, "no default retention: only what asks is locked");
  await assert.rejects(store.delete(snapshot.key, { versionId: snapshot.versionId }), {
    code: "OBJECT_LOCKED",
  });
  // Other objects are not locked by default.
  const other = await store.put("scratch/x.txt", "x");
  await store.delete("scratch/x.txt", { versionId: other.versionId });
});

test("an old home whose local bucket lacks Object Lock gets it, with a warning", async () => {
  const home = tempDir("bulwark-default-lock-old-");
  const old = new FsObjectStore({ root: join(home, "objects"), bucket: "bulwark" });
  await old.init();
  await old.put("models/old.bwm", "written before");
  assert.equal((await old.getLockConfig()).enabled, false);

  const { snapshot, stderr } = await snapshotOn(home);
  assert.equal(snapshot.locked, true);
  assert.match(stderr, /had no Object Lock; it is now enabled/);
  assert.equal((await old.getLockConfig()).enabled, true);
  assert.equal((await old.head("models/old.bwm")).retention, undefined, "nothing is locked retroactively");
});
