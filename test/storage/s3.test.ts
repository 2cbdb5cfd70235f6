/**
 * The conformance suite against a real S3 server with Object Lock (Ceph RGW from
 * scripts/rgw/start.sh in CI, or any server named by BULWARK_TEST_S3_*). Skips loudly
 * when none is reachable, unless BULWARK_REQUIRE_SERVICES=1.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { S3ObjectStore, type S3StoreOptions } from "../../src/storage/s3/store.js";
import { objectStoreConformance, rejectsWith } from "./conformance.js";
import { findTestS3 } from "./s3-env.js";

const server = await findTestS3();
const run = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

function options(bucket: string, extra: Partial<S3StoreOptions> = {}): S3StoreOptions {
  if (!server) throw new Error("no server");
  return {
    bucket,
    endpoint: server.endpoint,
    region: server.region,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    forcePathStyle: true,
    // Small parts so the suite exercises multipart with little data.
    multipartThreshold: 6 * 1024 * 1024,
    partSize: 5 * 1024 * 1024,
    ...extra,
  };
}

if (!server) {
  const message =
    "no S3 server reachable (start one with scripts/rgw/start.sh or set BULWARK_TEST_S3_ENDPOINT)";
  if (process.env.BULWARK_REQUIRE_SERVICES === "1") {
    test("S3 server is required (BULWARK_REQUIRE_SERVICES=1)", () => assert.fail(message));
  } else {
    console.warn(`\n*** SKIPPING S3 storage tests: ${message} ***\n`);
    test("S3 storage tests", { skip: message }, () => undefined);
  }
} else {
  objectStoreConformance(`S3 (${server.endpoint})`, async () => {
    const locked = new S3ObjectStore(options(`bw-lock-${run}`, { objectLock: true }));
    const plain = new S3ObjectStore(options(`bw-plain-${run}`));
    await locked.init({ objectLock: true });
    await plain.init();
    return {
      locked,
      plain,
      cleanup: async () => {
        await locked.close();
        await plain.close();
      },
    };
  });

  test("S3 presigned GET and PUT links work with plain HTTP and expire", async () => {
    const store = new S3ObjectStore(options(`bw-presign-${run}`));
    try {
      const v = await store.put("links/a.txt", "via link");
      const url = await store.presignGet("links/a.txt", 60, { versionId: v.versionId });
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "via link");
      const tampered = await fetch(url.replace("links/a.txt", "links/b.txt"));
      assert.equal(tampered.status, 403);
      assert.match(await tampered.text(), /<Code>(SignatureDoesNotMatch|AccessDenied)<\/Code>/);
      const putUrl = await store.presignPut("links/up.txt", 60);
      const up = await fetch(putUrl, { method: "PUT", body: "uploaded" });
      assert.equal(up.status, 200);
      assert.equal((await store.getBuffer("links/up.txt")).toString(), "uploaded");
    } finally {
      await store.close();
    }
  });

  test("claiming WORM on an existing bucket without lock says how to fix it", async () => {
    const bucket = `bw-nolock-${run}`;
    const plain = new S3ObjectStore(options(bucket));
    await plain.put("a.txt", "x");
    const claimed = new S3ObjectStore(options(bucket, { objectLock: true }));
    try {
      const err = await rejectsWith(claimed.put("b.txt", "x"), "BUCKET_LOCK_NOT_ENABLED");
      assert.match(err.message, /create a new bucket with Object Lock enabled/);
      assert.equal(await plain.exists("b.txt"), false, "the refused put wrote nothing");
    } finally {
      await plain.close();
      await claimed.close();
    }
  });

  test("a wrong secret is STORAGE_ACCESS_DENIED, not a crash", async () => {
    const store = new S3ObjectStore(
      options(`bw-denied-${run}`, { secretAccessKey: "wrong-secret-key-000000" }),
    );
    try {
      const err = await rejectsWith(store.put("x", "y"), "STORAGE_ACCESS_DENIED");
      assert.match(err.message, /check the access key, secret and bucket policy/);
    } finally {
      await store.close();
    }
  });
}
