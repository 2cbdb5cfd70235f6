/**
 * The registry over a real S3 server with Object Lock (the dev Ceph RGW): artifacts and
 * manifests written and verified, the production snapshot retained under the server's own
 * lock, and an artifact (or a companion file) replaced behind the registry's back refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryAuditSink } from "../../src/audit/sink.js";
import type { BulwarkError } from "../../src/core/errors.js";
import { openDatabase } from "../../src/db/open.js";
import { ModelRegistry } from "../../src/registry/registry.js";
import { createSqliteSettings } from "../db/databases.js";
import { findTestS3, lockedTestBucket } from "../storage/s3-env.js";
import { pairFiles, testArtifact, PAIR_FORMAT, TEST_FORMAT } from "./helpers.js";

const s3 = await findTestS3();

if (!s3) {
  const message =
    "no S3 server reachable (start one with scripts/rgw/start.sh or set BULWARK_TEST_S3_ENDPOINT)";
  if (process.env.BULWARK_REQUIRE_SERVICES === "1")
    test("S3 server is required for the registry on S3", () => assert.fail(message));
  else {
    console.warn(`\n*** SKIPPING registry-on-S3 tests: ${message} ***\n`);
    test("registry on S3", { skip: message }, () => undefined);
  }
} else {
  test("on S3 with Object Lock: snapshots are locked by the server and replaced artifacts are refused", async () => {
    const store = await lockedTestBucket(s3, "bw-registry");
    const db = await openDatabase(createSqliteSettings());
    const audit = new MemoryAuditSink();
    try {
      const registry = new ModelRegistry(db, store, {
        actor: "test:carol",
        audit,
        snapshotRetention: { mode: "GOVERNANCE", days: 1 },
      });
      const a = await registry.register({ name: "edge", format: TEST_FORMAT, artifact: testArtifact("a") });
      const b = await registry.register({ name: "edge", format: TEST_FORMAT, artifact: testArtifact("b") });
      const change = await registry.promote(a.ref);
      assert.equal(change.snapshot?.locked, true);
      const report = await store.verify(change.snapshot!.key);
      assert.equal(report.protected, true);
      assert.equal(report.mode, "GOVERNANCE");
      assert.equal(report.sha256Matches, true);
      await assert.rejects(
        store.delete(change.snapshot!.key, { versionId: report.versionId }),
        (err: BulwarkError) => err.code === "OBJECT_LOCKED",
      );
      assert.deepEqual(
        (await registry.verifyAll("edge")).map((r) => r.ok),
        [true, true],
      );

      // Someone with write access puts other bytes under b's key: a new object version.
      await store.put(b.artifactKey, testArtifact("evil"));
      await assert.rejects(registry.load(b.ref), (err: BulwarkError) => err.code === "INTEGRITY_ERROR");
      await assert.rejects(registry.promote(b.ref), (err: BulwarkError) => {
        assert.equal(err.code, "INTEGRITY_ERROR");
        assert.match(err.message, /edge@1\.1\.0 refused: artifact SHA-256/);
        return true;
      });
      assert.equal((await registry.production("edge"))?.ref, a.ref);
      assert.equal((await registry.resolve(b.ref)).stage, "none", "the replaced version was not promoted");
      assert.ok(audit.entries.some((e) => e.action === "model.load" && e.outcome === "denied"));
      assert.ok(
        audit.entries.some(
          (e) => e.action === "model.promote" && e.target === b.ref && e.outcome === "denied",
        ),
      );

      // A format of two files: the companion replaced on the server is refused the same way.
      const pair = await registry.register({ name: "edge-pair", format: PAIR_FORMAT, ...pairFiles("p") });
      assert.equal((await registry.load(pair.ref)).version.companions[0]?.file, "tokenizer.json");
      await store.put(pair.companions[0]!.key, pairFiles("evil").companions["tokenizer.json"]!);
      await assert.rejects(registry.load(pair.ref), /companion file tokenizer\.json SHA-256 is/);
    } finally {
      await db.close();
      await store.close();
    }
  });
}
