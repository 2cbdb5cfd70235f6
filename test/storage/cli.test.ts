/** `bulwark storage ...` end to end: the real command, a temporary BULWARK_HOME, the local backend. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, type CliResult } from "../helpers/cli.js";
import { verifyPresignedUrl } from "../../src/storage/fs/presign.js";
import { tempDir } from "../helpers/tmp.js";

const home = tempDir("bulwark-cli-");
// Pin the local backend whatever the developer's shell has set.
const env = {
  BULWARK_HOME: home,
  BULWARK_STORAGE: "fs",
  BULWARK_STORAGE_ROOT: join(home, "objects"),
  BULWARK_BUCKET: "bulwark",
  BULWARK_OBJECT_LOCK: "false",
  BULWARK_CONFIG: join(home, "none.json"),
  BULWARK_PUBLIC_URL: "http://127.0.0.1:8000",
};
writeFileSync(env.BULWARK_CONFIG, "{}");

const cli = (...args: string[]) => runCli(["storage", ...args], { env });
async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const r = await cli(...args, "--json");
  assert.equal(r.code, 0, `${args.join(" ")} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
function refused(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 2, `expected exit code 2 (refused), got ${r.code}: ${r.stderr}`);
  assert.equal(r.stderr.trim().split("\n").length, 1, `expected one line, got: ${r.stderr}`);
  assert.match(r.stderr, pattern);
}
function file(name: string, content: string): string {
  const p = join(home, name);
  writeFileSync(p, content);
  return p;
}

test("init with Object Lock and a default retention", async () => {
  const out = await json("init", "--object-lock", "--mode", "governance", "--retention-days", "1");
  assert.deepEqual(out, {
    bucket: "bulwark",
    backend: "fs",
    enabled: true,
    defaultRetention: { mode: "GOVERNANCE", days: 1 },
  });
  refused(await cli("init", "--mode", "compliance"), /--mode and --retention-days/);
  const bad = await cli("init", "--mode", "sometimes", "--retention-days", "1");
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr.split("\n")[0] ?? "",
    /option '--mode <mode>' argument 'sometimes' is invalid\. must be governance or compliance/,
  );
});

test("put, ls, get, versions, with text and JSON output", async () => {
  const v1 = await json<{ versionId: string; sha256: string; size: number }>(
    "put",
    "training-data/main/v1.jsonl",
    file("v1.jsonl", '{"text":"hi","label":0}\n'),
  );
  assert.equal(v1.size, 24);
  const v2 = await json<{ versionId: string }>(
    "put",
    "training-data/main/v1.jsonl",
    file("v1b.jsonl", '{"text":"bye","label":1}\n'),
    "--content-type",
    "application/json",
  );
  const text = await cli("put", "docs/readme.txt", file("r.txt", "read me"));
  assert.equal(text.code, 0);
  assert.match(
    text.stdout,
    /^put docs\/readme.txt version \S+ \(7 bytes, sha256 [0-9a-f]{64}; GOVERNANCE until /,
  );

  const top = await cli("ls");
  assert.match(top.stdout, /PRE {2}docs\//);
  assert.match(top.stdout, /PRE {2}training-data\//);
  const listed = await json<{ objects: Array<{ key: string }> }>("ls", "training-data/", "--recursive");
  assert.deepEqual(
    listed.objects.map((o) => o.key),
    ["training-data/main/v1.jsonl"],
  );

  const got = await cli("get", "training-data/main/v1.jsonl");
  assert.equal(got.stdout, '{"text":"bye","label":1}\n');
  const old = await cli("get", "training-data/main/v1.jsonl", "--version-id", v1.versionId);
  assert.equal(old.stdout, '{"text":"hi","label":0}\n');
  const target = join(home, "downloaded.jsonl");
  const saved = await json<{ file: string; sha256: string }>(
    "get",
    "training-data/main/v1.jsonl",
    target,
    "--version-id",
    v1.versionId,
  );
  assert.equal(saved.sha256, v1.sha256);
  assert.equal(readFileSync(target, "utf8"), '{"text":"hi","label":0}\n');

  const versions = await json<Array<{ versionId: string; isLatest: boolean }>>(
    "versions",
    "training-data/main/v1.jsonl",
  );
  assert.deepEqual(
    versions.map((v) => [v.versionId, v.isLatest]),
    [
      [v2.versionId, true],
      [v1.versionId, false],
    ],
  );
  const stdin = await runCli(["storage", "put", "from/stdin.txt", "-", "--json"], { env, input: "piped" });
  assert.equal(stdin.code, 0, stdin.stderr);
  assert.equal((await cli("get", "from/stdin.txt")).stdout, "piped");
});

test("rm of a locked object fails non-zero and leaves it readable", async () => {
  const put = await json<{ versionId: string }>(
    "put",
    "snapshots/audit.json",
    file("audit.json", '{"audit":1}'),
    "--mode",
    "compliance",
    "--days",
    "2",
    "--legal-hold",
  );
  refused(await cli("rm", "snapshots/audit.json", "--version-id", put.versionId), /legal hold/);
  refused(
    await cli("rm", "snapshots/audit.json", "--version-id", put.versionId, "--bypass-governance"),
    /legal hold/,
  );
  const asJson = await cli("rm", "snapshots/audit.json", "--version-id", put.versionId, "--json");
  assert.equal(asJson.code, 2);
  assert.equal((JSON.parse(asJson.stdout) as { code: string }).code, "OBJECT_LOCKED");
  assert.equal((await cli("get", "snapshots/audit.json")).stdout, '{"audit":1}');

  await json("lock", "snapshots/audit.json", "--legal-hold", "off");
  refused(await cli("rm", "snapshots/audit.json", "--version-id", put.versionId), /COMPLIANCE retention/);
  assert.equal(
    (await cli("get", "snapshots/audit.json", "--version-id", put.versionId)).stdout,
    '{"audit":1}',
  );

  // A plain rm only hides it behind a delete marker; the locked version is still there.
  const rm = await cli("rm", "snapshots/audit.json");
  assert.equal(rm.code, 0);
  assert.match(rm.stdout, /delete marker/);
  refused(await cli("get", "snapshots/audit.json"), /not found/);
  assert.equal(
    (await cli("get", "snapshots/audit.json", "--version-id", put.versionId)).stdout,
    '{"audit":1}',
  );
});

test("lock: extend, refuse shortening, legal hold on/off; verify; test-deletion-protection", async () => {
  await json(
    "put",
    "models/guard/1/model.bin",
    file("m.bin", "weights"),
    "--mode",
    "compliance",
    "--days",
    "1",
  );
  const extended = await json<{ retention: { mode: string; retainUntil: string } }>(
    "lock",
    "models/guard/1/model.bin",
    "--mode",
    "compliance",
    "--days",
    "3",
  );
  assert.ok(Date.parse(extended.retention.retainUntil) > Date.now() + 2.5 * 86_400_000);
  refused(
    await cli(
      "lock",
      "models/guard/1/model.bin",
      "--mode",
      "compliance",
      "--days",
      "1",
      "--bypass-governance",
    ),
    /cannot be shortened by anyone/,
  );
  const unchanged = await json<{ retainUntil: string }>("verify", "models/guard/1/model.bin");
  assert.equal(unchanged.retainUntil, extended.retention.retainUntil, "the retention is unchanged");
  refused(await cli("lock", "models/guard/1/model.bin"), /--mode M --days N, or --legal-hold/);
  const held = await json<{ legalHold: boolean }>("lock", "models/guard/1/model.bin", "--legal-hold", "on");
  assert.equal(held.legalHold, true);

  const report = await json<{ protected: boolean; mode: string; legalHold: boolean; sha256Matches: boolean }>(
    "verify",
    "models/guard/1/model.bin",
  );
  assert.deepEqual(
    [report.protected, report.mode, report.legalHold, report.sha256Matches],
    [true, "COMPLIANCE", true, true],
  );
  const verifyText = await cli("verify", "models/guard/1/model.bin");
  assert.match(verifyText.stdout, /protected: +yes \(COMPLIANCE until/);

  const proof = await cli("test-deletion-protection", "models/guard/1/model.bin");
  assert.equal(proof.code, 0, proof.stderr);
  assert.match(
    proof.stdout,
    /^PASS: deleting models\/guard\/1\/model.bin version \S+ was refused \(OBJECT_LOCKED\)/,
  );
  assert.equal((await cli("get", "models/guard/1/model.bin")).stdout, "weights");

  // A version with only an expired-or-absent lock is never put at risk.
  await json("init", "--object-lock", "--mode", "governance", "--retention-days", "1");
  const free = await json<{ versionId: string }>("put", "free.txt", file("free.txt", "free"));
  await runCli(["storage", "rm", "free.txt", "--version-id", free.versionId, "--bypass-governance"], { env });
  await json("put", "free2.txt", file("free2.txt", "free2"));
  const lockedByDefault = await cli("test-deletion-protection", "free2.txt");
  assert.equal(lockedByDefault.code, 0, lockedByDefault.stderr);
});

test("test-deletion-protection refuses to try on an unlocked version", async () => {
  const plainHome = tempDir("bulwark-cli-");
  const plainEnv = { ...env, BULWARK_HOME: plainHome, BULWARK_STORAGE_ROOT: join(plainHome, "objects") };
  const put = await runCli(["storage", "put", "x.txt", "-"], { env: plainEnv, input: "keep" });
  assert.equal(put.code, 0, put.stderr);
  const r = await runCli(["storage", "test-deletion-protection", "x.txt"], { env: plainEnv });
  refused(r, /refusing to test deletion .* no retention and no legal hold/);
  assert.equal((await runCli(["storage", "get", "x.txt"], { env: plainEnv })).stdout, "keep");
  refused(
    await runCli(["storage", "put", "y.txt", "-", "--mode", "governance", "--days", "1"], {
      env: plainEnv,
      input: "y",
    }),
    /without Object Lock.*create a new bucket with Object Lock enabled/,
  );
  refused(await runCli(["storage", "get", "y.txt"], { env: plainEnv }), /object "y\.txt" not found/);
});

test("url makes a signed link the HTTP server can verify with the store's secret", async () => {
  await json("put", "backups/registry/b.jsonl", file("b.jsonl", "{}\n"));
  const out = await json<{ url: string; method: string; expiresAt: string }>(
    "url",
    "backups/registry/b.jsonl",
    "--expires",
    "120",
  );
  assert.equal(out.method, "GET");
  assert.ok(out.url.startsWith("http://127.0.0.1:8000/v1/storage/presigned/backups/registry/b.jsonl?"));
  const secretFile = join(home, "objects", ".bulwark", "presign-secret");
  assert.equal(statSync(secretFile).mode & 0o777, 0o600);
  const secret = Buffer.from(readFileSync(secretFile, "utf8"), "hex");
  assert.equal(verifyPresignedUrl(out.url, secret, { method: "GET" }).key, "backups/registry/b.jsonl");
  const put = await json<{ url: string; method: string }>("url", "uploads/new.bin", "--put");
  assert.equal(put.method, "PUT");
  refused(await cli("url", "x", "--expires", "999999"), /at most|604800/);
});

test("bad keys and missing objects are one-line errors with non-zero exits", async () => {
  refused(await cli("put", "../escape", file("e.txt", "x")), /invalid object key/);
  refused(await cli("get", "no/such/key"), /not found/);
  refused(await cli("put", "k", join(home, "does-not-exist")), /cannot read .*does-not-exist: ENOENT/);
  refused(await cli("get", "k"), /object "k" not found/);
  const r = await cli("get", "no/such/key", "--json");
  assert.equal((JSON.parse(r.stdout) as { code: string }).code, "NO_SUCH_KEY");
});
