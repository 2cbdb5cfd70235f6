/**
 * What backups refuse and what they catch, on the local store: a restore into a database
 * that holds data, a table file overwritten after the backup, an object deleted after it,
 * an id that is not one or names no backup, a backup without its manifest. And the
 * `backup.create` job, as the schedule queues it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readManifest, readObjectList } from "../../src/backup/read.js";
import { loadConfig } from "../../src/core/config.js";
import { createObjectStore } from "../../src/storage/index.js";
import { openApp } from "../../src/app/app.js";
import { openJobSystem } from "../../src/app/jobs.js";
import { createLogger } from "../../src/core/logger.js";
import { createSqliteSettings } from "../db/databases.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { cliJson, dumpHome, homeEnv, populate } from "./home.js";

const home = tempDir("bulwark-backup-fail-");
const database = createSqliteSettings();
const env = homeEnv(home, database);
const { plainKey } = await populate(env, database);
const store = createObjectStore(loadConfig(env).storage);
const backup = async () => {
  const r = await cliJson(["backup", "create"], env);
  assert.equal(r.code, 0, r.stderr);
  return r.json as { id: string; tables: { name: string; key: string }[] };
};
const emptyTarget = () =>
  homeEnv(tempDir("bulwark-backup-fail-dst-"), createSqliteSettings(), {
    BULWARK_STORAGE_ROOT: join(home, "objects"),
  });

test("restore refuses a database that holds data, and changes nothing", async () => {
  const { id } = await backup();
  const before = await dumpHome(env);
  const r = await cliJson(["backup", "restore", id], env);
  assert.equal(r.code, 2);
  assert.equal(r.json.code, "BACKUP_TARGET_NOT_EMPTY");
  assert.match(r.stderr, /already holds data \(.*users: 1.*\): restore only into an empty database/);
  assert.deepEqual(await dumpHome(env), before);
});

test("verify finds a table file overwritten after the backup; restore refuses it before inserting", async () => {
  const { id, tables } = await backup();
  const users = tables.find((t) => t.name === "users")!;
  await store.put(users.key, Buffer.from("not the backup's rows"));
  const v = await cliJson(["backup", "verify", id], env);
  assert.equal(v.code, 2);
  assert.equal(v.json.ok, false);
  assert.deepEqual(
    v.json.problems.map((p: { key: string; problem: string }) => [p.key, p.problem]),
    [[users.key, "sha256"]],
  );
  const text = await runCli(["backup", "verify", id], { env });
  assert.match(text.stdout, /table sha256: .*users\.jsonl\.gz has SHA-256/);
  assert.match(text.stderr, /failed verification: 1 problem/);

  const target = emptyTarget();
  const r = await cliJson(["backup", "restore", id], target);
  assert.equal(r.code, 2);
  assert.equal(r.json.code, "BACKUP_INTEGRITY");
  assert.match(r.stderr, /is damaged, nothing was restored/);
});

test("verify and restore report an object deleted after the backup; --allow-missing-objects restores anyway", async () => {
  const { id } = await backup();
  await store.delete(plainKey);
  const v = await cliJson(["backup", "verify", id], env);
  assert.equal(v.code, 2);
  assert.deepEqual(
    v.json.problems.map((p: { key: string; problem: string }) => [p.key, p.problem]),
    [[plainKey, "missing"]],
  );
  const target = emptyTarget();
  const refused = await cliJson(["backup", "restore", id], target);
  assert.equal(refused.code, 2);
  assert.equal(refused.json.code, "BACKUP_INTEGRITY");
  assert.match(
    refused.stderr,
    /1 of the \d+ objects .* missing or changed .*configs\/backup-test\.json.*--allow-missing-objects/,
  );
  const allowed = await cliJson(["backup", "restore", id, "--allow-missing-objects"], target);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.deepEqual(
    allowed.json.objectProblems.map((p: { key: string }) => p.key),
    [plainKey],
  );
  assert.ok(allowed.json.rows > 0);
});

test("a bad id, an unknown id and a backup without a manifest each say so", async () => {
  const bad = await cliJson(["backup", "verify", "../../etc"], env);
  assert.equal(bad.code, 2);
  assert.equal(bad.json.code, "BACKUP_BAD_ID");
  assert.match(bad.stderr, /is not a backup id: ids look like 20261202T071500Z/);
  const unknown = await cliJson(["backup", "restore", "20200101T000000Z"], emptyTarget());
  assert.equal(unknown.code, 2);
  assert.equal(unknown.json.code, "BACKUP_NOT_FOUND");
  assert.match(unknown.stderr, /backup 20200101T000000Z not found .*`bulwark backup ls`/);

  await store.put("backups/20200102T030405Z-dead/db/users.jsonl.gz", Buffer.from("half a backup"));
  const restore = await cliJson(["backup", "restore", "20200102T030405Z-dead"], emptyTarget());
  assert.equal(restore.json.code, "BACKUP_INCOMPLETE");
  const ls = await runCli(["backup", "ls"], { env });
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /20200102T030405Z-dead .*INCOMPLETE \(no manifest\)/);
  assert.match(ls.stdout, /complete \(18 tables/);
});

test("the backup.create job takes a backup; a second job of the same tick leaves it to the first", async () => {
  const app = await openApp({ env: { ...process.env, ...env } });
  const jobs = openJobSystem(app, { logger: createLogger({ level: "silent" }) });
  try {
    await jobs.queue.start();
    const tick = "2026-12-02T03:00:00.000Z";
    const first = await jobs.queue.enqueue(
      "backup.create",
      { scheduledFor: tick },
      { createdBy: "system:scheduler" },
    );
    const second = await jobs.queue.enqueue(
      "backup.create",
      { scheduledFor: tick },
      { createdBy: "system:scheduler" },
    );
    const done = async (id: string) => {
      for (let i = 0; i < 600; i++) {
        const j = await jobs.store.get(id);
        if (!["queued", "running"].includes(j.status)) return j;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`job ${id} did not finish`);
    };
    const a = await done(first.id);
    const b = await done(second.id);
    assert.equal(a.status, "succeeded", JSON.stringify(a));
    assert.equal(b.status, "succeeded", JSON.stringify(b));
    const made = (a.result as { id: string }).id;
    assert.deepEqual(b.result, { skipped: true, by: first.id });
    const ls = await cliJson(["backup", "ls"], env);
    assert.ok((ls.json as { id: string; complete: boolean }[]).some((x) => x.id === made && x.complete));
    // Earlier backups are in the store by now, and never in a backup's object list.
    const listed = await readObjectList(store, await readManifest(store, made));
    assert.ok(listed.length > 0);
    assert.deepEqual(
      listed.filter((o) => o.key.startsWith("backups/")),
      [],
    );
  } finally {
    await jobs.queue.close();
    await app.close();
  }
});
