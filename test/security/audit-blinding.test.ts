/**
 * Blinding `audit verify` (security review, audit item 1). Someone with write access to
 * the database and to the bucket (but no governance bypass) deletes the newest audit
 * snapshot without a version id, which S3 allows on a locked object (it only adds a delete
 * marker), and cuts the audit table back to the previous snapshot. `verify` listed live
 * keys only, so it saw a shorter but consistent trail and said it was intact. It must read
 * every version, report the marker, and still hold the log to the hidden snapshot's head.
 * Run on the local disk store and on a real S3 server (Ceph RGW).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { openApp } from "../../src/app/app.js";
import { S3ObjectStore } from "../../src/storage/s3/store.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { findTestS3 } from "../storage/s3-env.js";

const s3 = await findTestS3();

interface Backend {
  name: string;
  env(home: string): Promise<Record<string, string>>;
}

const backends: Backend[] = [{ name: "local disk", env: async (home) => ({ BULWARK_HOME: home }) }];
if (s3) {
  backends.push({
    name: `S3 (${s3.endpoint})`,
    env: async (home) => {
      const bucket = `bw-blind-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
      const s = {
        bucket,
        endpoint: s3.endpoint,
        region: s3.region,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        forcePathStyle: true,
      };
      // The operator's bucket, created with Object Lock as the README says.
      const admin = new S3ObjectStore(s);
      await admin.init({ objectLock: true });
      await admin.close();
      return {
        BULWARK_HOME: home,
        BULWARK_STORAGE: "s3",
        BULWARK_S3_ENDPOINT: s3.endpoint,
        BULWARK_S3_REGION: s3.region,
        BULWARK_S3_ACCESS_KEY: s3.accessKeyId,
        BULWARK_S3_SECRET_KEY: s3.secretAccessKey,
        BULWARK_S3_FORCE_PATH_STYLE: "true",
        BULWARK_BUCKET: bucket,
      };
    },
  });
} else if (process.env.BULWARK_REQUIRE_SERVICES === "1") {
  test("S3 server is required (BULWARK_REQUIRE_SERVICES=1)", () => assert.fail("no S3 server reachable"));
} else {
  console.warn("\n*** SKIPPING the S3 half of audit-blinding: no S3 server reachable ***\n");
}

const entry = (i: number) => ({
  actor: "user:alice",
  action: "model.promote",
  target: `model:${i}`,
  outcome: "success" as const,
});

for (const backend of backends) {
  describe(`audit verify cannot be blinded (${backend.name})`, () => {
    test("hiding the newest snapshot with a delete marker and cutting the table is reported", async () => {
      const env = await backend.env(tempDir("bulwark-blind-"));
      const app = await openApp({ env });
      try {
        for (let i = 1; i <= 3; i++) await app.audit.record(entry(i));
        const first = await runCli(["audit", "snapshot", "--json"], { env });
        assert.equal(first.code, 0, first.stderr);
        const kept = JSON.parse(first.stdout) as { key: string; to: number; locked: boolean };
        assert.equal(kept.locked, true);

        // Entries the attacker wants gone, sealed by the next snapshot.
        for (let i = 4; i <= 6; i++) await app.audit.record(entry(i));
        const second = await runCli(["audit", "snapshot", "--json"], { env });
        assert.equal(second.code, 0, second.stderr);
        const newest = JSON.parse(second.stdout) as { key: string; versionId: string; to: number };
        assert.equal(newest.to, kept.to + 3);
        const clean = await runCli(["audit", "verify"], { env });
        assert.equal(clean.code, 0, clean.stdout + clean.stderr);

        // The attack: the locked version cannot be destroyed...
        await assert.rejects(app.store.delete(newest.key, { versionId: newest.versionId }), {
          code: "OBJECT_LOCKED",
        });
        // ...but a delete marker hides it from a live listing,
        const marker = await app.store.delete(newest.key);
        assert.equal(marker.deleteMarker, true);
        assert.equal(await app.store.exists(newest.key), false);
        // and the table is cut back to the previous snapshot's head.
        await sql`delete from audit_log where seq > ${kept.to}`.execute(app.db.db);

        const r = await runCli(["audit", "verify", "--json"], { env });
        assert.equal(r.code, 2, `verify must fail: ${r.stdout}${r.stderr}`);
        const report = JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf("}") + 1).split("\n{")[0]!) as {
          ok: boolean;
          problems: { seq: number; kind: string; message: string }[];
          sealedHead: { seq: number } | null;
        };
        assert.equal(report.ok, false);
        assert.deepEqual(
          report.problems.map((p) => [p.seq, p.kind]),
          [
            [newest.to, "seal_removed"],
            [newest.to, "anchor_mismatch"],
          ],
        );
        assert.match(report.problems[0]!.message, /delete marker/);
        assert.equal(report.sealedHead?.seq, newest.to);

        const text = await runCli(["audit", "verify"], { env });
        assert.equal(text.code, 2);
        assert.match(text.stdout, /seal_removed: the locked snapshot .* was deleted with a delete marker/);
        assert.match(text.stderr, /the audit trail was tampered with/);
      } finally {
        await app.close();
      }
    });
  });
}
