/**
 * Refusals that need no populated home: `--lock-days` on a bucket without Object Lock
 * (refused before anything is written), and a backup taken by a newer version whose
 * migrations this one does not know.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createBackup } from "../../src/backup/create.js";
import { backupKeys } from "../../src/backup/format.js";
import { restoreBackup } from "../../src/backup/restore.js";
import { openDatabase } from "../../src/db/open.js";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import { createSqliteSettings } from "../db/databases.js";
import { tempDir } from "../helpers/tmp.js";

async function fixture(objectLock: boolean) {
  const db = await openDatabase(createSqliteSettings());
  const store = new FsObjectStore({
    root: join(tempDir("bulwark-backup-ref-"), "objects"),
    bucket: "bulwark",
  });
  await store.init({ objectLock });
  return { db, store, close: async () => (await store.close(), await db.close()) };
}

test("--lock-days on a bucket without Object Lock is refused before anything is written", async () => {
  const f = await fixture(false);
  try {
    await assert.rejects(createBackup({ db: f.db, store: f.store }, { lockDays: 7 }), {
      code: "BACKUP_LOCK_UNAVAILABLE",
      message: /needs Object Lock, and bucket bulwark has none/,
    });
    assert.deepEqual((await f.store.list({ prefix: "backups/" })).objects, []);
  } finally {
    await f.close();
  }
});

test("a backup from a newer schema is refused with the migrations it does not know", async () => {
  const f = await fixture(true);
  try {
    const manifest = await createBackup({ db: f.db, store: f.store });
    manifest.schema.migrations.push("099_from_the_future");
    await f.store.put(backupKeys.manifest(manifest.id), JSON.stringify(manifest));
    const target = await openDatabase(createSqliteSettings(), { migrate: false });
    try {
      await assert.rejects(restoreBackup({ db: target, store: f.store }, manifest.id), {
        code: "BACKUP_SCHEMA_UNKNOWN",
        message: /newer Bulwark \(migrations 099_from_the_future are unknown here\)/,
      });
    } finally {
      await target.close();
    }
  } finally {
    await f.close();
  }
});
