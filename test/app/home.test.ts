/**
 * The embedded home is private: a local user other than the service's must not be able to
 * read the database (it holds the token signing key) or the stored objects.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { openApp } from "../../src/app/app.js";
import { loadConfig } from "../../src/core/config.js";
import { tempDir } from "../helpers/tmp.js";

const embedded = (home: string) =>
  loadConfig({ BULWARK_HOME: home, DATABASE_URL: "", BULWARK_S3_ENDPOINT: "", MINIO_ENDPOINT: "" });

/** Every path under `dir` that someone other than the owner could read, write or enter. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if ((statSync(path).mode & 0o077) !== 0)
      found.push(`${path} ${(statSync(path).mode & 0o777).toString(8)}`);
    if (entry.isDirectory()) found.push(...openToOthers(path));
  }
  return found;
}

test("a fresh home, its database (with WAL) and every stored object are private to the owner", async () => {
  const home = join(tempDir(), "home");
  const warnings: string[] = [];
  const app = await openApp({ config: embedded(home), onWarning: (m) => warnings.push(m) });
  try {
    await app.audit.record({ actor: "test", action: "test.write", target: "x", outcome: "success" });
    await app.audit.flush();
    await app.store.put("datasets/a.jsonl", '{"text":"hi","label":0}\n');
    await app.store.putLegalHold("datasets/a.jsonl", true);
    assert.equal(statSync(join(home, "bulwark.db-wal")).mode & 0o777, 0o600, "the WAL holds fresh writes");
    assert.deepEqual(openToOthers(home), [], "nothing under the home is open to others while it runs");
  } finally {
    await app.close();
  }
  assert.deepEqual(warnings, []);
  assert.equal(statSync(home).mode & 0o777, 0o700);
  assert.equal(statSync(join(home, "bulwark.db")).mode & 0o777, 0o600);
  assert.ok(readdirSync(home).includes("objects"));
  assert.deepEqual(openToOthers(home), [], "no file or folder under the home is open to others");
});

test("an existing home that others can enter is reported with the command that fixes it", async () => {
  const home = join(tempDir(), "wide");
  mkdirSync(home);
  chmodSync(home, 0o755);
  const warnings: string[] = [];
  const app = await openApp({ config: embedded(home), onWarning: (m) => warnings.push(m) });
  await app.close();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /is open to other users \(mode 0755\).*token signing key.*chmod 700/);
  assert.equal(statSync(home).mode & 0o777, 0o755, "the operator decides; Bulwark does not change it");
});
