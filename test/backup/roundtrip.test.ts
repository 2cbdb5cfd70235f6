/**
 * Backups round-trip: a home used for real (model, keys, events, a job, the audit trail
 * and its snapshot) is backed up with `bulwark backup create`, restored with `bulwark
 * backup restore` into an empty database beside the same store, and the restored database
 * holds exactly the same rows (the dialect-neutral dump of every table is equal), its audit
 * trail and models verify, and an API key made before the backup still authenticates.
 * SQLite to SQLite, SQLite to PostgreSQL (the path from one machine to many), and
 * PostgreSQL to PostgreSQL.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createSqliteSettings } from "../db/databases.js";
import { tempDir } from "../helpers/tmp.js";
import { cliJson, dumpHome, freshPg, homeEnv, populate, restoreAndCheck } from "./home.js";

const sourceHome = tempDir("bulwark-backup-src-");
const storeRoot = join(sourceHome, "objects");
const source = homeEnv(sourceHome, createSqliteSettings());
const seeded = await populate(source, { url: undefined, sqlitePath: source.BULWARK_SQLITE_PATH! });
const before = await dumpHome(source);
const created = await cliJson(["backup", "create"], source);
assert.equal(created.code, 0, created.stderr);
const id: string = created.json.id;

test("backup create writes a manifest of every table and object, last", () => {
  assert.match(id, /^\d{8}T\d{6}Z-[0-9a-f]{4}$/);
  assert.equal(created.json.dialect, "sqlite");
  assert.ok(created.json.schema.version >= 15);
  const tables = Object.fromEntries(
    (created.json.tables as { name: string; rows: number }[]).map((t) => [t.name, t.rows]),
  );
  for (const [table, lines] of Object.entries(before)) assert.equal(tables[table], lines.length, table);
  assert.ok(created.json.objects.count >= 3, "model artifact, manifest, audit snapshot, plain object");
  assert.equal(created.json.lock, null);
});

test("backup ls lists it as complete; verify passes", async () => {
  const ls = await cliJson(["backup", "ls"], source);
  assert.equal(ls.code, 0, ls.stderr);
  const entry = (ls.json as { id: string; complete: boolean; size: number }[]).find((b) => b.id === id);
  assert.ok(entry?.complete && entry.size > 0);
  const verify = await cliJson(["backup", "verify", id], source);
  assert.equal(verify.code, 0, verify.stderr);
  assert.equal(verify.json.ok, true);
  assert.equal(verify.json.objectsChecked, created.json.objects.count);
});

test("SQLite -> SQLite: an empty home beside the same store gets every row back", async () => {
  const target = homeEnv(tempDir("bulwark-backup-dst-"), createSqliteSettings(), {
    BULWARK_STORAGE_ROOT: storeRoot,
  });
  await restoreAndCheck(id, target, before, seeded.clientKey);
});

const pgTarget = await freshPg("SQLite -> PostgreSQL restore");
if (pgTarget)
  test("SQLite -> PostgreSQL: the same rows in a fresh PostgreSQL database", async () => {
    const target = homeEnv(tempDir("bulwark-backup-pg-"), pgTarget, { BULWARK_STORAGE_ROOT: storeRoot });
    await restoreAndCheck(id, target, before, seeded.clientKey);
  });

const pgSource = await freshPg("PostgreSQL -> PostgreSQL restore");
const pgTarget2 = pgSource ? await freshPg("PostgreSQL -> PostgreSQL restore") : undefined;
if (pgSource && pgTarget2)
  test("PostgreSQL -> PostgreSQL", async () => {
    const home = tempDir("bulwark-backup-pgsrc-");
    const env = homeEnv(home, pgSource);
    const { clientKey } = await populate(env, pgSource);
    const dump = await dumpHome(env);
    const made = await cliJson(["backup", "create"], env);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(made.json.dialect, "postgres");
    const target = homeEnv(tempDir("bulwark-backup-pgdst-"), pgTarget2, {
      BULWARK_STORAGE_ROOT: join(home, "objects"),
    });
    await restoreAndCheck(made.json.id, target, dump, clientKey);
  });
