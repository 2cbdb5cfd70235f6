/**
 * Backups on an S3 store with Object Lock (Ceph RGW in CI): `backup create --lock-days`
 * writes every file of the backup under retention, so deleting a version is refused by
 * the server itself, and the backup restores into an empty database like on local disk.
 * Skipped without an S3 server, unless BULWARK_REQUIRE_SERVICES=1.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSqliteSettings } from "../db/databases.js";
import { tempDir } from "../helpers/tmp.js";
import { findTestS3, lockedTestBucket } from "../storage/s3-env.js";
import { cliJson, dumpHome, homeEnv, populate, restoreAndCheck } from "./home.js";

const s3 = await findTestS3();
if (!s3) {
  const message =
    "no S3 server reachable (start one with scripts/rgw/start.sh or set BULWARK_TEST_S3_ENDPOINT)";
  if (process.env.BULWARK_REQUIRE_SERVICES === "1") test("S3 server is required", () => assert.fail(message));
  else test("backups on S3", { skip: message }, () => undefined);
} else {
  const store = await lockedTestBucket(s3, "bw-backup");
  const storage = {
    BULWARK_STORAGE: "s3",
    BULWARK_S3_ENDPOINT: s3.endpoint,
    BULWARK_S3_REGION: s3.region,
    BULWARK_S3_ACCESS_KEY: s3.accessKeyId,
    BULWARK_S3_SECRET_KEY: s3.secretAccessKey,
    BULWARK_BUCKET: store.bucket,
  };

  test("S3 with --lock-days: the backup's files cannot be deleted, and it restores", async () => {
    const database = createSqliteSettings();
    const env = homeEnv(tempDir("bulwark-backup-s3-"), database, storage);
    const { clientKey } = await populate(env, database);
    const before = await dumpHome(env);
    const made = await cliJson(["backup", "create", "--lock-days", "1"], env);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(made.json.lock.mode, "GOVERNANCE");
    assert.ok(Date.parse(made.json.lock.retainUntil) > Date.now() + 23 * 3_600_000);
    const id: string = made.json.id;

    for (const key of [`backups/${id}/manifest.json`, made.json.tables[0].key, made.json.objects.key]) {
      const report = await store.testDeletionProtection(key);
      assert.equal(report.refused, true, `${key} could be deleted`);
    }
    const ls = await cliJson(["backup", "ls"], env);
    const entry = (ls.json as { id: string; locked: boolean; complete: boolean }[]).find((b) => b.id === id);
    assert.deepEqual([entry?.locked, entry?.complete], [true, true]);
    const verify = await cliJson(["backup", "verify", id], env);
    assert.equal(verify.json.ok, true, JSON.stringify(verify.json));

    const target = homeEnv(tempDir("bulwark-backup-s3-dst-"), createSqliteSettings(), storage);
    await restoreAndCheck(id, target, before, clientKey);
  });
}
