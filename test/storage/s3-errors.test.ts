/**
 * S3 servers refuse a locked delete differently (AWS and Ceph: 403 AccessDenied; MinIO:
 * 400 InvalidRequest). Both must come out as OBJECT_LOCKED. No server needed: the
 * client's answers are scripted.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { S3ObjectStore } from "../../src/storage/s3/store.js";
import { mapS3Error } from "../../src/storage/s3/errors.js";
import { StorageError } from "../../src/storage/errors.js";

function s3Error(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

function scripted(refusal: Error): S3ObjectStore {
  const store = new S3ObjectStore({
    bucket: "scripted",
    endpoint: "http://127.0.0.1:1",
    region: "us-east-1",
    accessKeyId: "a",
    secretAccessKey: "b",
  });
  const until = new Date(Date.now() + 86_400_000);
  (store.client as unknown as { send: (cmd: { constructor: { name: string } }) => Promise<unknown> }).send =
    async (cmd) => {
      switch (cmd.constructor.name) {
        case "ListObjectVersionsCommand":
          return {
            Versions: [{ Key: "k", VersionId: "v1", IsLatest: true, Size: 1, LastModified: new Date() }],
          };
        case "HeadObjectCommand":
          return {
            VersionId: "v1",
            ContentLength: 1,
            ObjectLockMode: "COMPLIANCE",
            ObjectLockRetainUntilDate: until,
            Metadata: {},
          };
        case "DeleteObjectCommand":
          throw refusal;
        default:
          throw new Error(`unexpected ${cmd.constructor.name}`);
      }
    };
  return store;
}

for (const [server, refusal] of [
  ["AWS / Ceph (403 AccessDenied)", s3Error("AccessDenied", 403, "Access Denied")],
  [
    "MinIO (400 InvalidRequest)",
    s3Error("InvalidRequest", 400, "Object is WORM protected and cannot be overwritten"),
  ],
] as const) {
  test(`a refused version delete from ${server} is OBJECT_LOCKED`, async () => {
    const store = scripted(refusal);
    await assert.rejects(store.delete("k", { versionId: "v1" }), (err: unknown) => {
      assert.ok(err instanceof StorageError);
      assert.equal(err.code, "OBJECT_LOCKED");
      assert.match(err.message, /COMPLIANCE/);
      return true;
    });
  });
}

test("S3 error names map to the typed errors", () => {
  const ctx = { op: "GetObject", bucket: "b", endpoint: "http://x", key: "k" };
  const codeOf = (err: unknown, extra = {}) => (mapS3Error(err, { ...ctx, ...extra }) as StorageError).code;
  assert.equal(codeOf(s3Error("NoSuchKey", 404)), "NO_SUCH_KEY");
  assert.equal(codeOf(s3Error("NotFound", 404), { versionId: "v" }), "NO_SUCH_VERSION");
  assert.equal(codeOf(s3Error("NoSuchVersion", 404), { versionId: "v" }), "NO_SUCH_VERSION");
  assert.equal(codeOf(s3Error("NoSuchBucket", 404)), "NO_SUCH_BUCKET");
  assert.equal(codeOf(s3Error("InvalidRange", 416)), "INVALID_RANGE");
  assert.equal(codeOf(s3Error("MethodNotAllowed", 405), { versionId: "v" }), "NO_SUCH_VERSION");
  assert.equal(
    codeOf(s3Error("InvalidRequest", 400, "Bucket is missing Object Lock Configuration")),
    "BUCKET_LOCK_NOT_ENABLED",
  );
  assert.equal(codeOf(s3Error("AccessDenied", 403)), "STORAGE_ACCESS_DENIED");
  assert.equal(codeOf(s3Error("Unknown", 403)), "STORAGE_ACCESS_DENIED");
  assert.equal(
    codeOf(Object.assign(new Error("connect"), { name: "Error", code: "ECONNREFUSED" })),
    "STORAGE_UNAVAILABLE",
  );
  assert.equal(codeOf(s3Error("InternalError", 500)), "S3_ERROR");
});
