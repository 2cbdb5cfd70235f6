import { test } from "node:test";
import assert from "node:assert/strict";
import { loadConfig, maskedConfig } from "../../src/core/config.js";

test("embedded defaults: local disk and SQLite under BULWARK_HOME", () => {
  const config = loadConfig({ BULWARK_HOME: "/tmp/bw-home" });
  assert.equal(config.storage.backend, "fs");
  assert.equal(config.storage.root, "/tmp/bw-home/objects");
  assert.equal(config.database.url, undefined);
  assert.equal(config.database.sqlitePath, "/tmp/bw-home/bulwark.db");
  assert.equal(config.server.port, 8000);
  assert.equal(config.server.host, "127.0.0.1");
});

test("MinIO's variables select the S3 backend and a host:port endpoint becomes a URL", () => {
  const config = loadConfig({
    BULWARK_HOME: "/tmp/bw-home",
    MINIO_ENDPOINT: "minio.local:9000",
    MINIO_ACCESS_KEY: "AKIAEXAMPLE",
    MINIO_SECRET_KEY: "supersecretvalue",
    MINIO_BUCKET: "guard",
  });
  assert.equal(config.storage.backend, "s3");
  assert.equal(config.storage.s3.endpoint, "http://minio.local:9000");
  assert.equal(config.storage.bucket, "guard");
  const masked = JSON.stringify(maskedConfig(config));
  assert.ok(!masked.includes("supersecretvalue"), "secret key must be masked");
  assert.ok(!masked.includes("AKIAEXAMPLE"), "access key must be masked");
});

test("a database URL keeps its shape but loses its password when printed", () => {
  const config = loadConfig({
    BULWARK_HOME: "/tmp/x",
    DATABASE_URL: "postgres://bw:hunter2@db:5432/bulwark",
  });
  assert.match(JSON.stringify(maskedConfig(config)), /postgres:\/\/bw:\*\*\*\*@db:5432\/bulwark/);
});

test("bad values are refused with the variable's name", () => {
  assert.throws(() => loadConfig({ BULWARK_PORT: "eighty" }), /BULWARK_PORT must be a number/);
  assert.throws(() => loadConfig({ BULWARK_STORAGE: "ftp" }), /BULWARK_STORAGE must be "fs" or "s3"/);
});
